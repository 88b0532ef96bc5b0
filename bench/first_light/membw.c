// Memory bandwidth on a large buffer (default 1 GiB), median of runs, with T threads (OpenMP):
// "read" sums the buffer as floats with independent accumulators (bytes read / s), "copy" is
// memcpy of per-thread halves (bytes read + written / s). Prints JSON.
// Build: cc -O3 -march=native -fopenmp membw.c -o membw    Usage: membw [MiB] [RUNS] [THREADS]
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 1024;
  const int runs = argc > 2 ? atoi(argv[2]) : 5;
  const int threads = argc > 3 ? atoi(argv[3]) : 1;
  if (mib == 0 || runs <= 0 || runs > 100 || threads <= 0) return 2;
  omp_set_num_threads(threads);
  const size_t n = mib << 18;  // floats
  float* src = malloc(n * sizeof(float));
  float* dst = malloc(n * sizeof(float));
  if (!src || !dst) return 1;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i) src[i] = dst[i] = (float)(i & 7);  // touch every page
  double read[100], copy[100], sink = 0;
  for (int r = 0; r < runs; ++r) {
    double t = now();
    float total = 0;
#pragma omp parallel reduction(+ : total)
    {
      float acc[16] = {0};
#pragma omp for schedule(static)
      for (size_t i = 0; i < n; i += 16)
        for (int j = 0; j < 16; ++j) acc[j] += src[i + j];
      for (int j = 0; j < 16; ++j) total += acc[j];
    }
    read[r] = n * sizeof(float) / (now() - t) / 1e9;
    sink += total;
    t = now();
#pragma omp parallel
    {
      const size_t parts = omp_get_num_threads(), id = omp_get_thread_num();
      const size_t lo = n * id / parts, hi = n * (id + 1) / parts;
      memcpy(dst + lo, src + lo, (hi - lo) * sizeof(float));
    }
    copy[r] = 2.0 * n * sizeof(float) / (now() - t) / 1e9;
    sink += dst[n / 2];
  }
  qsort(read, runs, sizeof(double), cmp);
  qsort(copy, runs, sizeof(double), cmp);
  printf(
      "{\"buffer_mib\": %zu, \"runs\": %d, \"threads\": %d, \"read_gb_per_s\": %.3f, "
      "\"copy_gb_per_s\": %.3f, \"checksum\": %.1f}\n",
      mib, runs, threads, read[runs / 2], copy[runs / 2], sink);
  free(src);
  free(dst);
  return 0;
}
