// OpenBLAS's CBLAS interface, found through pkg-config (openblas.pc).
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/// The name of the kernel set OpenBLAS chose for this CPU (or was told by OPENBLAS_CORETYPE), e.g. "SkylakeX".
char *openblas_get_corename(void);
