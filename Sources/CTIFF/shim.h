#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

/* libtiff reads through callbacks and reports errors through variadic handlers, and its tag getter is
   variadic: neither can be written in Swift. This shim reads the first page of an in-memory TIFF into
   8-bit RGBA (libtiff's RGBA interface: any photometric, bit depth and compression it supports). */

typedef struct {
    const unsigned char *data;
    uint64_t size;
    uint64_t position;
    char message[256];
} u2n_tiff_source;

static tmsize_t u2n_tiff_read(thandle_t handle, void *buffer, tmsize_t count) {
    u2n_tiff_source *s = (u2n_tiff_source *)handle;
    if (count <= 0 || s->position >= s->size) return 0;
    uint64_t left = s->size - s->position;
    uint64_t n = (uint64_t)count < left ? (uint64_t)count : left;
    memcpy(buffer, s->data + s->position, (size_t)n);
    s->position += n;
    return (tmsize_t)n;
}

static tmsize_t u2n_tiff_write(thandle_t handle, void *buffer, tmsize_t count) {
    (void)handle; (void)buffer; (void)count;
    return 0;
}

static toff_t u2n_tiff_seek(thandle_t handle, toff_t offset, int whence) {
    u2n_tiff_source *s = (u2n_tiff_source *)handle;
    uint64_t base = whence == SEEK_CUR ? s->position : whence == SEEK_END ? s->size : 0;
    uint64_t target = base + offset;
    if (target < base) return (toff_t)-1;
    s->position = target;
    return target;
}

static int u2n_tiff_close(thandle_t handle) { (void)handle; return 0; }

static toff_t u2n_tiff_size(thandle_t handle) { return ((u2n_tiff_source *)handle)->size; }

static int u2n_tiff_map(thandle_t handle, void **base, toff_t *size) {
    (void)handle; (void)base; (void)size;
    return 0;
}

static void u2n_tiff_unmap(thandle_t handle, void *base, toff_t size) { (void)handle; (void)base; (void)size; }

static int u2n_tiff_error(TIFF *tiff, void *user, const char *module, const char *format, va_list args) {
    (void)tiff; (void)module;
    u2n_tiff_source *s = (u2n_tiff_source *)user;
    if (s && s->message[0] == 0) vsnprintf(s->message, sizeof(s->message), format, args);
    return 1;
}

static int u2n_tiff_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list args) {
    (void)tiff; (void)user; (void)module; (void)format; (void)args;
    return 1;
}

typedef struct {
    int width, height;
    int has_alpha;            /* the file has an extra (alpha) sample */
    uint32_t *pixels;         /* width * height, ABGR packed (R in the low byte), premultiplied; malloc'd */
    unsigned char *icc;       /* the ICC profile tag or NULL; malloc'd */
    uint32_t icc_length;
    char message[256];
} u2n_tiff_image;

static inline void u2n_tiff_free(u2n_tiff_image *image) {
    free(image->pixels);
    free(image->icc);
    image->pixels = NULL;
    image->icc = NULL;
}

/* Returns 0 on success, 1 on an error (message set), 2 when width*height exceeds max_pixels. */
static inline int u2n_tiff_decode(const unsigned char *data, uint64_t size, long long max_pixels, u2n_tiff_image *out) {
    u2n_tiff_source source = {data, size, 0, {0}};
    memset(out, 0, sizeof(*out));
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) { strcpy(out->message, "out of memory"); return 1; }
    /* No single allocation inside libtiff above 256 MB, whatever the file declares. */
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)256 << 20);
    TIFFOpenOptionsSetErrorHandlerExtR(options, u2n_tiff_error, &source);
    TIFFOpenOptionsSetWarningHandlerExtR(options, u2n_tiff_warning, &source);
    TIFF *tiff = TIFFClientOpenExt("memory", "rm", (thandle_t)&source, u2n_tiff_read, u2n_tiff_write, u2n_tiff_seek,
                                   u2n_tiff_close, u2n_tiff_size, u2n_tiff_map, u2n_tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    if (!tiff) {
        strcpy(out->message, source.message[0] ? source.message : "not a readable TIFF");
        return 1;
    }
    uint32_t width = 0, height = 0;
    TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height);
    out->width = (int)width;
    out->height = (int)height;
    if (width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff) {
        TIFFClose(tiff);
        strcpy(out->message, "zero or absurd size");
        return 1;
    }
    if ((long long)width * (long long)height > max_pixels) {
        TIFFClose(tiff);
        return 2;
    }
    uint16_t extra = 0;
    uint16_t *extra_types = NULL;
    if (TIFFGetField(tiff, TIFFTAG_EXTRASAMPLES, &extra, &extra_types) && extra > 0) out->has_alpha = 1;
    uint32_t icc_length = 0;
    void *icc = NULL;
    if (TIFFGetField(tiff, TIFFTAG_ICCPROFILE, &icc_length, &icc) && icc && icc_length > 0) {
        out->icc = malloc(icc_length);
        if (out->icc) {
            memcpy(out->icc, icc, icc_length);
            out->icc_length = icc_length;
        }
    }
    char why[1024] = {0};
    if (!TIFFRGBAImageOK(tiff, why)) {
        snprintf(out->message, sizeof(out->message), "%s", why[0] ? why : "unsupported TIFF layout");
        TIFFClose(tiff);
        u2n_tiff_free(out);
        return 1;
    }
    out->pixels = malloc((size_t)width * (size_t)height * 4);
    if (!out->pixels) {
        TIFFClose(tiff);
        u2n_tiff_free(out);
        strcpy(out->message, "out of memory");
        return 1;
    }
    if (!TIFFReadRGBAImageOriented(tiff, width, height, out->pixels, ORIENTATION_TOPLEFT, 1)) {
        snprintf(out->message, sizeof(out->message), "%s", source.message[0] ? source.message : "cannot decode the pixels");
        TIFFClose(tiff);
        u2n_tiff_free(out);
        return 1;
    }
    TIFFClose(tiff);
    return 0;
}
