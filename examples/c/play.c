/* Plays a cart headless through libcartbox and writes its last frame as a PNG.
 *
 *   cc examples/c/play.c -Iembed/include -Ltarget/debug -lcartbox -o play
 *   LD_LIBRARY_PATH=target/debug ./play CART FRAMES OUT.png
 *
 * The runner executable (the `cartbox` binary) is found beside libcartbox, on PATH, or
 * where CARTBOX_RUNNER says. Exit codes: 0 played, 1 the cart stopped (the reason is
 * printed), 2 a usage or library error. The PNG is written with stored (uncompressed)
 * deflate blocks, so the example needs nothing but libcartbox and libc. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartbox.h"

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc(uint32_t c, const uint8_t *p, size_t n) {
    c ^= 0xffffffffu;
    while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void be32(uint8_t *p, uint32_t v) {
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len) {
    uint8_t head[8];
    be32(head, len);
    memcpy(head + 4, type, 4);
    uint32_t c = crc(crc(0, head + 4, 4), data, len);
    uint8_t tail[4];
    be32(tail, c);
    return fwrite(head, 1, 8, f) == 8 && fwrite(data, 1, len, f) == len &&
           fwrite(tail, 1, 4, f) == 4;
}

/* Writes width x height pixels (0x00RRGGBB) as an 8-bit RGB PNG. */
static int write_png(const char *path, const uint32_t *px, uint32_t w, uint32_t h) {
    size_t row = 1 + 3 * (size_t)w;
    size_t raw_len = row * h;
    uint8_t *raw = malloc(raw_len);
    if (!raw) return 0;
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *r = raw + y * row;
        r[0] = 0; /* filter: none */
        for (uint32_t x = 0; x < w; x++) {
            uint32_t p = px[y * w + x];
            r[1 + 3 * x] = p >> 16; r[2 + 3 * x] = p >> 8; r[3 + 3 * x] = p;
        }
    }
    /* zlib: header, stored blocks of at most 65535 bytes, Adler-32. */
    size_t blocks = raw_len / 65535 + 1;
    size_t z_len = 2 + raw_len + 5 * blocks + 4;
    uint8_t *z = malloc(z_len);
    if (!z) { free(raw); return 0; }
    size_t at = 0, done = 0;
    z[at++] = 0x78; z[at++] = 0x01;
    while (done < raw_len || done == 0) {
        size_t n = raw_len - done > 65535 ? 65535 : raw_len - done;
        int last = done + n == raw_len;
        z[at++] = last;
        z[at++] = n & 0xff; z[at++] = n >> 8;
        z[at++] = ~n & 0xff; z[at++] = (~n >> 8) & 0xff;
        memcpy(z + at, raw + done, n);
        at += n; done += n;
        if (last) break;
    }
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < raw_len; i++) { a = (a + raw[i]) % 65521; b = (b + a) % 65521; }
    be32(z + at, (b << 16) | a);
    at += 4;
    uint8_t ihdr[13];
    be32(ihdr, w); be32(ihdr + 4, h);
    ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
    FILE *f = fopen(path, "wb");
    int ok = f != NULL;
    if (ok) {
        static const uint8_t sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
        ok = fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) &&
             chunk(f, "IDAT", z, (uint32_t)at) && chunk(f, "IEND", NULL, 0);
        ok = fclose(f) == 0 && ok;
    }
    free(z);
    free(raw);
    return ok;
}

static int fail(CartboxHandle h, const char *what) {
    char msg[1024];
    cartbox_last_error(h, msg, sizeof msg);
    fprintf(stderr, "play: %s: %s\n", what, msg);
    return 2;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: play CART FRAMES OUT.png\n");
        return 2;
    }
    long frames = strtol(argv[2], NULL, 10);
    if (frames < 1) {
        fprintf(stderr, "play: FRAMES must be 1 or more\n");
        return 2;
    }
    crc_init();
    struct CartboxOptions options;
    cartbox_options_init(&options);
    /* time() counts frames, as in `cartbox run --headless`: the same frames each run. */
    options.clock = CARTBOX_CLOCK_FRAMES;
    CartboxHandle h = 0;
    if (cartbox_create(&options, &h) != CARTBOX_OK) return fail(0, "cannot make a console");
    int status = cartbox_load_file(h, argv[1], 0);
    for (long i = 0; i < frames && status == CARTBOX_OK; i++) {
        struct CartboxInput input = {{0}, {0}, {0}};
        status = cartbox_frame(h, &input, 0);
    }
    if (status < 0) {
        int code = fail(h, argv[1]);
        cartbox_destroy(h);
        return code;
    }
    if (status == CARTBOX_STOPPED) {
        struct CartboxStop stop;
        cartbox_stop_reason(h, &stop);
        fprintf(stderr, "play: stopped (kind %d, %s line %u): %s\n", stop.kind, stop.file,
                stop.line, stop.message);
        cartbox_destroy(h);
        return 1;
    }
    static uint32_t pixels[CARTBOX_FRAME_PIXELS];
    if (cartbox_pixels(h, pixels, CARTBOX_FRAME_PIXELS) != CARTBOX_OK) {
        int code = fail(h, "pixels");
        cartbox_destroy(h);
        return code;
    }
    cartbox_destroy(h);
    if (!write_png(argv[3], pixels, CARTBOX_WIDTH, CARTBOX_HEIGHT)) {
        fprintf(stderr, "play: %s: cannot write\n", argv[3]);
        return 2;
    }
    return 0;
}
