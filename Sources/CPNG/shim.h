#include <png.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

/* zlib's inflateInit is a macro Swift cannot call: inflates a zlib stream (a PNG iCCP profile) into a malloc'd
   buffer of at most `limit` bytes. Returns 0 and the buffer, or 1 for a damaged stream or one above the limit. */
static inline int u2n_inflate(const unsigned char *input, size_t input_length, size_t limit,
                              unsigned char **output, size_t *output_length) {
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    *output = NULL;
    *output_length = 0;
    if (inflateInit(&stream) != Z_OK) return 1;
    size_t capacity = 4096;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) { inflateEnd(&stream); return 1; }
    stream.next_in = (Bytef *)input;
    stream.avail_in = (uInt)(input_length > 0xffffffffu ? 0xffffffffu : input_length);
    int status = Z_OK;
    while (status == Z_OK) {
        if (stream.total_out == capacity) {
            if (capacity >= limit) { status = Z_BUF_ERROR; break; }
            size_t grown = capacity * 2 > limit ? limit : capacity * 2;
            unsigned char *bigger = realloc(buffer, grown);
            if (!bigger) { status = Z_MEM_ERROR; break; }
            buffer = bigger;
            capacity = grown;
        }
        stream.next_out = buffer + stream.total_out;
        stream.avail_out = (uInt)(capacity - stream.total_out);
        status = inflate(&stream, Z_NO_FLUSH);
        if (status == Z_BUF_ERROR && stream.avail_in == 0) break;   /* truncated stream */
        if (status == Z_BUF_ERROR && stream.avail_out > 0) break;
        if (status == Z_BUF_ERROR) status = Z_OK;                   /* output full: grow and go on */
    }
    size_t produced = stream.total_out;
    inflateEnd(&stream);
    if (status != Z_STREAM_END) { free(buffer); return 1; }
    *output = buffer;
    *output_length = produced;
    return 0;
}
