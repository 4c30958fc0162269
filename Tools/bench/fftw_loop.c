/* The "plain C loop" peer for the STFT benchmark: window each frame of a centred, reflect-padded
 * signal into an aligned buffer, fftwf_execute_dft_r2c it, copy the bins into the output —
 * single-threaded, FFTW_MEASURE, the same work Tandem's STFT does per frame.
 * Build: gcc -O2 fftw_loop.c -lfftw3f -lm   Run: ./a.out SAMPLES NFFT HOP REPEATS   Prints the median seconds. */
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s SAMPLES NFFT HOP REPEATS\n", argv[0]); return 2; }
    long samples = atol(argv[1]);
    int n = atoi(argv[2]), hop = atoi(argv[3]), repeats = atoi(argv[4]);
    int pad = n / 2, bins = n / 2 + 1;
    long frames = 1 + (samples + 2 * pad - n) / hop;

    float *signal = malloc(sizeof(float) * samples);
    uint64_t state = 42;
    for (long i = 0; i < samples; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        float noise = (float)(state >> 40) / (float)(1 << 24) - 0.5f;
        float t = (float)i / 44100.0f;
        signal[i] = 0.5f * sinf(2 * (float)M_PI * 440 * t) + 0.25f * sinf(2 * (float)M_PI * 1234.5f * t) + 0.1f * noise;
    }
    float *window = malloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) window[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / n));

    float *in = fftwf_alloc_real(n);
    fftwf_complex *out = fftwf_alloc_complex(bins);
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_MEASURE);
    float *result = malloc(sizeof(float) * 2 * bins * frames);

    double *times = malloc(sizeof(double) * repeats);
    for (int r = -1; r < repeats; r++) {
        double start = now();
        for (long t = 0; t < frames; t++) {
            long first = t * hop - pad;
            if (first >= 0 && first + n <= samples) {
                const float *s = signal + first;
                for (int i = 0; i < n; i++) in[i] = s[i] * window[i];
            } else {
                for (int i = 0; i < n; i++) {
                    long j = first + i;
                    if (j < 0) j = -j;
                    if (j >= samples) j = 2 * (samples - 1) - j;
                    in[i] = signal[j] * window[i];
                }
            }
            fftwf_execute_dft_r2c(plan, in, out);
            memcpy(result + 2 * bins * t, out, sizeof(float) * 2 * bins);
        }
        double elapsed = now() - start;
        if (r >= 0) times[r] = elapsed;
    }
    qsort(times, repeats, sizeof(double), compare);
    printf("%.4f %ld %f\n", times[repeats / 2], frames, result[2 * bins * (frames / 2) + 10]);
    fftwf_destroy_plan(plan);
    return 0;
}
