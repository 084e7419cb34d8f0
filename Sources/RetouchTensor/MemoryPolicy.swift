import CKernels

/// How the process gives memory from freed tensors back to the system.
///
/// glibc raises its mmap threshold after the first large free, so later large buffers come from its heaps, and
/// freed ones stay resident there: a long run's resident memory creeps up. Unmapping every large buffer on free
/// (`returnLargeBuffersToTheSystem`) fixes that but pays fresh page faults on every allocation (measured 70% slower
/// on the tiny fixtures); trimming the heaps between phases of work (`releaseFreeMemory`) costs nothing measurable.
public enum MemoryPolicy {
    /// Returns free heap memory in every arena to the system; call between phases (windows, models, steps).
    public static func releaseFreeMemory() { rt_release_free_memory() }

    /// Serves every allocation from glibc's heaps and keeps freed memory there, so each step of a denoising loop
    /// reuses the previous step's activation buffers instead of faulting in fresh zeroed pages (the kernel's page
    /// clearing was 8 % of a UNet step). Pair with `releaseFreeMemory()` between phases. Call once, early.
    public static func reuseFreedBuffers() { rt_reuse_freed_buffers() }

    /// Serves every allocation of `threshold` bytes or more with its own mapping, unmapped when freed.
    public static func returnLargeBuffersToTheSystem(threshold: Int = 1 << 20) {
        rt_return_large_buffers(Int32(threshold), Int32(4 * threshold))
    }
}
