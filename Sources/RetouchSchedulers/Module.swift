/// Namespace placeholder until the module's first type lands.
enum RetouchSchedulersModule {}
