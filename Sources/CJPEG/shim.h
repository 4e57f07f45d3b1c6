#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg reports fatal errors by calling error_exit, which must not return; the only way back to the
   caller is longjmp, which Swift cannot do. These two functions keep that control flow in C and hand
   back plain results. */

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} u2n_jpeg_error;

static void u2n_jpeg_error_exit(j_common_ptr info) {
    u2n_jpeg_error *e = (u2n_jpeg_error *)info->err;
    (*info->err->format_message)(info, e->message);
    longjmp(e->jump, 1);
}

/* Warnings are ignored, except a file that ends early: that is an error, not a grey bottom half. */
static void u2n_jpeg_emit_message(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        u2n_jpeg_error_exit(info);
    }
}

typedef struct {
    int width, height;
    int components;          /* 1 grey, 3 RGB, 4 CMYK (as stored, Adobe files inverted) */
    unsigned char *pixels;   /* width * height * components, malloc'd; free with u2n_jpeg_free */
    unsigned char *exif;     /* APP1 "Exif" payload or NULL; malloc'd */
    unsigned int exif_length;
    unsigned char *icc;      /* the ICC profile joined from its APP2 segments, or NULL; malloc'd */
    unsigned int icc_length;
    char message[JMSG_LENGTH_MAX];
} u2n_jpeg_image;

static inline void u2n_jpeg_free(u2n_jpeg_image *image) {
    free(image->pixels);
    free(image->exif);
    free(image->icc);
    image->pixels = NULL;
    image->exif = NULL;
    image->icc = NULL;
}

/* Returns 0 on success, 1 on a decoding error (message set), 2 when width*height exceeds max_pixels. */
static inline int u2n_jpeg_decode(const unsigned char *data, unsigned long size, long long max_pixels,
                                  u2n_jpeg_image *out) {
    struct jpeg_decompress_struct info;
    u2n_jpeg_error error;
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile exif = NULL;
    JOCTET *volatile icc = NULL;
    memset(out, 0, sizeof(*out));
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = u2n_jpeg_error_exit;
    error.manager.emit_message = u2n_jpeg_emit_message;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        free(exif);
        free(icc);
        memcpy(out->message, error.message, sizeof(out->message));
        return 1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_save_markers(&info, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    out->width = (int)info.image_width;
    out->height = (int)info.image_height;
    if ((long long)info.image_width * (long long)info.image_height > max_pixels) {
        jpeg_destroy_decompress(&info);
        return 2;
    }
    for (jpeg_saved_marker_ptr m = info.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0 && !exif) {
            exif = malloc(m->data_length - 6);
            if (exif) {
                memcpy(exif, m->data + 6, m->data_length - 6);
                out->exif_length = m->data_length - 6;
            }
        }
    }
    {
        /* libjpeg-turbo joins the ICC_PROFILE segments in sequence order; a malformed set is ignored. */
        JOCTET *profile = NULL;
        unsigned int profile_length = 0;
        if (jpeg_read_icc_profile(&info, &profile, &profile_length) && profile && profile_length > 0) {
            icc = profile;
            out->icc_length = profile_length;
        } else {
            free(profile);
        }
    }
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        info.out_color_space = JCS_CMYK;
    } else if (info.jpeg_color_space == JCS_GRAYSCALE) {
        info.out_color_space = JCS_GRAYSCALE;
    } else {
        info.out_color_space = JCS_RGB;
    }
    jpeg_start_decompress(&info);
    int components = info.output_components;
    size_t stride = (size_t)info.output_width * (size_t)components;
    pixels = malloc(stride * info.output_height);
    if (!pixels) {
        strcpy(error.message, "out of memory");
        longjmp(error.jump, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    out->width = (int)info.output_width;
    out->height = (int)info.output_height;
    out->components = components;
    out->pixels = pixels;
    out->exif = exif;
    out->icc = icc;
    jpeg_destroy_decompress(&info);
    return 0;
}

/* Encodes 8-bit grey (components 1), RGB (3) or CMYK as stored (4), optionally progressive.
   Returns 0 and a malloc'd buffer, or 1 with a message. */
static inline int u2n_jpeg_encode(const unsigned char *pixels, int width, int height, int components, int quality,
                                  int progressive, const unsigned char *icc, unsigned int icc_length,
                                  unsigned char **output, unsigned long *output_size, char *message) {
    struct jpeg_compress_struct info;
    u2n_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    unsigned long length = 0;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = u2n_jpeg_error_exit;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        memcpy(message, error.message, JMSG_LENGTH_MAX);
        return 1;
    }
    jpeg_create_compress(&info);
    unsigned char *mem = NULL;
    jpeg_mem_dest(&info, &mem, &length);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = components;
    info.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    if (progressive) {
        jpeg_simple_progression(&info);
    }
    jpeg_start_compress(&info, TRUE);
    if (icc && icc_length > 0) {
        jpeg_write_icc_profile(&info, icc, icc_length);   /* APP2 ICC_PROFILE segments, split as needed */
    }
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * (size_t)width * (size_t)components);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    buffer = mem;
    *output = mem;
    *output_size = length;
    jpeg_destroy_compress(&info);
    return 0;
}
