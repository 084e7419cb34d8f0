// CPU identification for kernel dispatch: CPUID feature bits, and XGETBV for whether the operating system saves
// the register state each extension needs (ymm for AVX/AVX2, opmask + zmm for AVX-512, tiles for AMX). A feature
// counts only when both agree, so a hypervisor or kernel that disables AVX-512 state can never select an
// AVX-512 kernel.
#include "CKernels.h"
#include <stdio.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static unsigned int detect(void) {
    unsigned int eax, ebx, ecx, edx, max_leaf = __get_cpuid_max(0, 0);
    if (max_leaf < 1) return 0;
    __cpuid(1, eax, ebx, ecx, edx);
    unsigned int leaf1_ecx = ecx, leaf7_ebx = 0, leaf7_edx = 0, leaf7_1_eax = 0;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        leaf7_ebx = ebx;
        leaf7_edx = edx;
        if (eax >= 1) {   // leaf 7's highest sub-leaf
            __cpuid_count(7, 1, eax, ebx, ecx, edx);
            leaf7_1_eax = eax;
        }
    }
    unsigned long long xcr0 = (leaf1_ecx >> 27) & 1 ? read_xcr0() : 0;   // OSXSAVE: XGETBV is usable
    int ymm_state = (xcr0 & 0x6) == 0x6;            // SSE (bit 1) and AVX (bit 2) state
    int zmm_state = ymm_state && (xcr0 & 0xe0) == 0xe0;   // opmask, ZMM_Hi256, Hi16_ZMM (bits 5-7)
    int tile_state = (xcr0 & 0x60000) == 0x60000;   // XTILECFG, XTILEDATA (bits 17, 18)

    unsigned int f = 0;
    if ((leaf1_ecx >> 20) & 1) f |= RT_CPU_SSE4_2;
    if (ymm_state && (leaf1_ecx >> 28) & 1) {   // AVX
        if ((leaf7_ebx >> 5) & 1) f |= RT_CPU_AVX2;
        if ((leaf1_ecx >> 12) & 1) f |= RT_CPU_FMA;
    }
    if (zmm_state && (leaf7_ebx >> 16) & 1) {
        f |= RT_CPU_AVX512F;
        if ((leaf7_ebx >> 30) & 1) f |= RT_CPU_AVX512BW;
        if ((leaf7_1_eax >> 5) & 1) f |= RT_CPU_AVX512_BF16;
        if ((leaf7_edx >> 23) & 1) f |= RT_CPU_AVX512_FP16;
    }
    if (tile_state) {
        if ((leaf7_edx >> 24) & 1) f |= RT_CPU_AMX_TILE;
        if ((leaf7_edx >> 22) & 1) f |= RT_CPU_AMX_BF16;
        if ((leaf7_edx >> 25) & 1) f |= RT_CPU_AMX_INT8;
    }
    return f;
}

unsigned int rt_cpu_features(void) {
    static int cached = -1;   // a race only repeats the same detection
    if (cached < 0) cached = (int)detect();
    return (unsigned int)cached;
}

int rt_cpu_is_intel(void) {
    unsigned int eax, ebx, ecx, edx;
    __cpuid(0, eax, ebx, ecx, edx);
    return ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e;   // "Genu" "ineI" "ntel"
}

static int cpuid_brand(char *out, long capacity) {
    if (__get_cpuid_max(0x80000000, 0) < 0x80000004 || capacity < 49) return 0;
    unsigned int words[12];
    for (unsigned int i = 0; i < 3; i++)
        __cpuid(0x80000002 + i, words[4 * i], words[4 * i + 1], words[4 * i + 2], words[4 * i + 3]);
    memcpy(out, words, 48);
    out[48] = 0;
    return 1;
}

#else

unsigned int rt_cpu_features(void) { return 0; }

int rt_cpu_is_intel(void) { return 0; }

static int cpuid_brand(char *out, long capacity) {
    (void)out;
    (void)capacity;
    return 0;
}

#endif

/// The value of /proc/cpuinfo's first "model name" line (Linux), trimmed.
static int proc_model_name(char *out, long capacity) {
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (!file) return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, file)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *value = strchr(line, ':');
        if (!value) continue;
        value++;
        while (*value == ' ' || *value == '\t') value++;
        value[strcspn(value, "\n")] = 0;
        snprintf(out, (size_t)capacity, "%s", value);
        found = out[0] != 0;
    }
    fclose(file);
    return found;
}

int rt_cpu_model_name(char *out, long capacity) {
    if (capacity <= 0) return 0;
    out[0] = 0;
    if (cpuid_brand(out, capacity)) {
        long start = 0, end = (long)strlen(out);   // brand strings may be padded with spaces
        while (out[start] == ' ') start++;
        while (end > start && out[end - 1] == ' ') end--;
        memmove(out, out + start, (size_t)(end - start));
        out[end - start] = 0;
        if (out[0]) return 1;
    }
    return proc_model_name(out, capacity);
}
