// C shims over libpng, libjpeg and libtiff. Every setjmp/longjmp stays inside these C functions.
#pragma once
#include <stddef.h>
#include <stdint.h>
