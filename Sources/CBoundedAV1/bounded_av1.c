#include "bounded_av1.h"

#include <dav1d/dav1d.h>
#include <errno.h>
#include <libheif/heif.h>
#include <libheif/heif_plugin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { default_frame_limit = 1u << 26, plugin_priority = 200 };

static _Thread_local unsigned frame_limit_on_this_thread;

void u2net_bounded_av1_set_frame_limit(unsigned pixels) { frame_limit_on_this_thread = pixels; }

struct bounded_decoder {
    Dav1dContext *context;
    Dav1dData data;
    unsigned frame_limit;
};

static struct heif_error ok(void) {
    struct heif_error e = {heif_error_Ok, heif_suberror_Unspecified, "Success"};
    return e;
}

static struct heif_error failure(const char *message) {
    struct heif_error e = {heif_error_Decoder_plugin_error, heif_suberror_Unspecified, message};
    return e;
}

static struct heif_error too_large(void) {
    struct heif_error e = {heif_error_Memory_allocation_error, heif_suberror_Security_limit_exceeded,
                           "AV1 frame above the pixel limit"};
    return e;
}

static const char *plugin_name(void) { return "dav1d with a frame-size limit"; }
static void plugin_init(void) {}
static void plugin_deinit(void) {}

static int supports(enum heif_compression_format format) {
    return format == heif_compression_AV1 ? plugin_priority : 0;
}

static struct heif_error new_decoder(void **out) {
    struct bounded_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) return failure("out of memory");
    decoder->frame_limit = frame_limit_on_this_thread ? frame_limit_on_this_thread : default_frame_limit;
    Dav1dSettings settings;
    dav1d_default_settings(&settings);
    settings.frame_size_limit = decoder->frame_limit;   // dav1d refuses larger frame headers before allocating
    settings.n_threads = 1;
    settings.max_frame_delay = 1;
    settings.all_layers = 0;
    settings.logger.callback = NULL;   // damaged input is reported through the returned error, not on stderr
    if (dav1d_open(&decoder->context, &settings) != 0) {
        free(decoder);
        return failure("cannot open the AV1 decoder");
    }
    *out = decoder;
    return ok();
}

static void free_decoder(void *raw) {
    struct bounded_decoder *decoder = raw;
    if (!decoder) return;
    if (decoder->data.sz) dav1d_data_unref(&decoder->data);
    if (decoder->context) dav1d_close(&decoder->context);
    free(decoder);
}

static struct heif_error push_data(void *raw, const void *bytes, size_t size) {
    struct bounded_decoder *decoder = raw;
    if (decoder->data.sz) return failure("AV1 data pushed twice");
    if (size == 0) return failure("no AV1 data");
    // The sequence header (the av1C configuration OBUs come first) declares the largest frame of the stream.
    Dav1dSequenceHeader sequence;
    if (dav1d_parse_sequence_header(&sequence, bytes, size) == 0 &&
        (unsigned long long)sequence.max_width * sequence.max_height > decoder->frame_limit)
        return too_large();
    uint8_t *copy = dav1d_data_create(&decoder->data, size);
    if (!copy) return failure("out of memory");
    memcpy(copy, bytes, size);
    return ok();
}

static enum heif_channel plane_channel(int plane) {
    return plane == 0 ? heif_channel_Y : plane == 1 ? heif_channel_Cb : heif_channel_Cr;
}

/// Copies a decoded picture into a new libheif image (YCbCr planes, or one grey plane), with the
/// sequence header's colour description.
static struct heif_error to_heif_image(const Dav1dPicture *picture, struct heif_image **out) {
    enum heif_chroma chroma;
    enum heif_colorspace colorspace = heif_colorspace_YCbCr;
    switch (picture->p.layout) {
    case DAV1D_PIXEL_LAYOUT_I400: chroma = heif_chroma_monochrome; colorspace = heif_colorspace_monochrome; break;
    case DAV1D_PIXEL_LAYOUT_I420: chroma = heif_chroma_420; break;
    case DAV1D_PIXEL_LAYOUT_I422: chroma = heif_chroma_422; break;
    case DAV1D_PIXEL_LAYOUT_I444: chroma = heif_chroma_444; break;
    default: return failure("unknown AV1 pixel layout");
    }
    struct heif_image *image = NULL;
    struct heif_error error = heif_image_create(picture->p.w, picture->p.h, colorspace, chroma, &image);
    if (error.code != heif_error_Ok) return error;

    struct heif_color_profile_nclx *nclx = heif_nclx_color_profile_alloc();
    if (nclx && picture->seq_hdr) {
        // Codes outside the tables libheif knows are left at its defaults (unspecified).
        (void)heif_nclx_color_profile_set_color_primaries(nclx, (uint16_t)picture->seq_hdr->pri);
        (void)heif_nclx_color_profile_set_transfer_characteristics(nclx, (uint16_t)picture->seq_hdr->trc);
        (void)heif_nclx_color_profile_set_matrix_coefficients(nclx, (uint16_t)picture->seq_hdr->mtrx);
        nclx->full_range_flag = picture->seq_hdr->color_range != 0;
        (void)heif_image_set_nclx_color_profile(image, nclx);
    }
    heif_nclx_color_profile_free(nclx);

    int planes = chroma == heif_chroma_monochrome ? 1 : 3;
    int bytes_per_sample = (picture->p.bpc + 7) / 8;
    for (int plane = 0; plane < planes; plane++) {
        int width = picture->p.w, height = picture->p.h;
        if (plane > 0 && chroma != heif_chroma_444) width = (width + 1) / 2;
        if (plane > 0 && chroma == heif_chroma_420) height = (height + 1) / 2;
        error = heif_image_add_plane(image, plane_channel(plane), width, height, picture->p.bpc);
        if (error.code != heif_error_Ok) { heif_image_release(image); return error; }
        int target_stride = 0;
        uint8_t *target = heif_image_get_plane(image, plane_channel(plane), &target_stride);
        if (!target) { heif_image_release(image); return failure("no image plane"); }
        const uint8_t *source = picture->data[plane];
        ptrdiff_t source_stride = picture->stride[plane > 0 ? 1 : 0];
        for (int y = 0; y < height; y++)
            memcpy(target + (size_t)y * target_stride, source + y * source_stride, (size_t)width * bytes_per_sample);
    }
    *out = image;
    return ok();
}

static struct heif_error decode_image(void *raw, struct heif_image **out) {
    struct bounded_decoder *decoder = raw;
    Dav1dPicture picture;
    memset(&picture, 0, sizeof picture);
    // One thread and a frame delay of 1: every frame is decoded inside these calls. The loop ends when a
    // picture comes out, dav1d reports an error, or the data is spent and no picture is left.
    for (int round = 0; round < 1 << 16; round++) {
        if (decoder->data.sz) {
            int sent = dav1d_send_data(decoder->context, &decoder->data);
            if (sent < 0 && sent != DAV1D_ERR(EAGAIN)) return failure("damaged AV1 data");
        }
        int got = dav1d_get_picture(decoder->context, &picture);
        if (got == 0) {
            struct heif_error error = to_heif_image(&picture, out);
            dav1d_picture_unref(&picture);
            return error;
        }
        if (got != DAV1D_ERR(EAGAIN)) return failure("damaged AV1 data");
        if (!decoder->data.sz) return failure("the AV1 data holds no picture");
    }
    return failure("the AV1 decoder makes no progress");
}

static void set_strict_decoding(void *raw, int flag) { (void)raw; (void)flag; }

static const struct heif_decoder_plugin bounded_plugin = {
    .plugin_api_version = 3,
    .get_plugin_name = plugin_name,
    .init_plugin = plugin_init,
    .deinit_plugin = plugin_deinit,
    .does_support_format = supports,
    .new_decoder = new_decoder,
    .free_decoder = free_decoder,
    .push_data = push_data,
    .decode_image = decode_image,
    .set_strict_decoding = set_strict_decoding,
    .id_name = "dav1d-bounded",
};

static pthread_once_t registered = PTHREAD_ONCE_INIT;
static void register_once(void) { (void)heif_register_decoder_plugin(&bounded_plugin); }

void u2net_bounded_av1_register(void) { pthread_once(&registered, register_once); }
