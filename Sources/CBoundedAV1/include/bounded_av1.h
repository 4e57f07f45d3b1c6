#ifndef U2NET_BOUNDED_AV1_H
#define U2NET_BOUNDED_AV1_H

// An AV1 decoder for libheif (dav1d underneath) that refuses any frame above a pixel limit before dav1d
// allocates it. libheif 1.15's own dav1d plugin sets no frame-size limit, so a damaged AVIF declaring a
// 60000×60000 frame in a few bytes makes dav1d allocate gigabytes; this one is registered with a higher
// priority and takes its place.

/// Registers the decoder with libheif (once; later calls do nothing). Call after heif_init.
void u2net_bounded_av1_register(void);

/// The largest AV1 frame, in pixels (width × height of the coded, upscaled frame), that decoders created on
/// the calling thread afterwards accept. 0 restores the default (2^26 pixels). A larger frame is refused
/// with heif_suberror_Security_limit_exceeded before its pixels are allocated.
void u2net_bounded_av1_set_frame_limit(unsigned pixels);

#endif
