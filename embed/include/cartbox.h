/* libcartbox: a Cartbox console for C programs. Every call returns a status: 0 done,
 * above 0 a state (late, stopped, exited), below 0 an error whose message
 * cartbox_last_error gives. Handles are numbers: a wrong or destroyed one is an error. */

#ifndef CARTBOX_H
#define CARTBOX_H

/* Generated from embed/src/capi.rs by cbindgen (embed/tests/header.rs checks it is current: CARTBOX_BLESS=1 rewrites it). Do not edit. */

#include <stddef.h>
#include <stdint.h>

/*
 Width of a frame in pixels (with the border).
 */
#define CARTBOX_WIDTH 256

/*
 Height of a frame in pixels (with the border).
 */
#define CARTBOX_HEIGHT 144

/*
 Pixels of a frame: [`CARTBOX_WIDTH`] x [`CARTBOX_HEIGHT`].
 */
#define CARTBOX_FRAME_PIXELS (256 * 144)

/*
 Stereo sample pairs of one frame's sound (44,100 Hz at 60 frames a second).
 */
#define CARTBOX_FRAME_SAMPLES 735

/*
 Bytes of a cart's persistent memory.
 */
#define CARTBOX_PMEM_BYTES 1024

/*
 Done.
 */
#define CARTBOX_OK 0

/*
 Not waited for and not finished yet (`CARTBOX_NO_WAIT`): the last frame stays.
 */
#define CARTBOX_LATE 1

/*
 The cart has stopped: `cartbox_stop_reason` says why.
 */
#define CARTBOX_STOPPED 2

/*
 The cart called `exit()`.
 */
#define CARTBOX_EXITED 3

/*
 The handle is not a console's (never made, or destroyed).
 */
#define CARTBOX_ERR_HANDLE -1

/*
 An argument is wrong: a null pointer, a wrong size, a value out of range, text that is
 not UTF-8.
 */
#define CARTBOX_ERR_ARGUMENT -2

/*
 The cart file cannot be read.
 */
#define CARTBOX_ERR_CART_FILE -3

/*
 The runner executable is missing, does not start, or is not Cartbox's.
 */
#define CARTBOX_ERR_RUNNER -4

/*
 No cart is loaded.
 */
#define CARTBOX_ERR_NOT_RUNNING -5

/*
 A request not waited for is still running: wait for it with a frame call first.
 */
#define CARTBOX_ERR_BUSY -6

/*
 A fault inside Cartbox (a bug): the handle should be destroyed.
 */
#define CARTBOX_ERR_INTERNAL -7

/*
 `time()` is the time since the cart started.
 */
#define CARTBOX_CLOCK_REAL 0

/*
 `time()` counts frames.
 */
#define CARTBOX_CLOCK_FRAMES 1

/*
 Flag: return at once; the request runs on while the caller goes on.
 */
#define CARTBOX_NO_WAIT 1

/*
 The cart is running (no stop).
 */
#define CARTBOX_STOP_NONE 0

/*
 A syntax error.
 */
#define CARTBOX_STOP_SYNTAX 1

/*
 A runtime error.
 */
#define CARTBOX_STOP_RUNTIME 2

/*
 The cart's memory reached its cap.
 */
#define CARTBOX_STOP_OUT_OF_MEMORY 3

/*
 A callback ran past its budget and was stopped.
 */
#define CARTBOX_STOP_BUDGET 4

/*
 The cart's files cannot be played (malformed, or a language Cartbox does not play).
 */
#define CARTBOX_STOP_BAD_CART 5

/*
 The runner did not answer (or a module did not compile) in time and was killed.
 */
#define CARTBOX_STOP_NOT_RESPONDING 6

/*
 The runner died: a crash, or the sandbox killed it.
 */
#define CARTBOX_STOP_CRASHED 7

/*
 The runner broke the protocol and was killed.
 */
#define CARTBOX_STOP_MISBEHAVED 8

/*
 Cartbox could not run the cart (could not start a runner).
 */
#define CARTBOX_STOP_HOST 9

/*
 The largest memory cap, as `cartbox run --memory-mb`.
 */
#define MAX_MEMORY_MB 768

/*
 How to make a console; fill with `cartbox_options_init` first.
 */
typedef struct CartboxOptions {
  /*
   `sizeof(struct CartboxOptions)`, set by `cartbox_options_init`: a program built
   against another version of the header is told, not misread.
   */
  uint32_t size;
  /*
   A callback's budget in milliseconds before it is stopped (default 2000).
   */
  uint32_t budget_ms;
  /*
   Milliseconds after the budget before a runner that does not answer is killed
   (default 1000).
   */
  uint32_t grace_ms;
  /*
   The cart's memory cap in MiB, 1 to 768 (default 256).
   */
  uint32_t memory_mb;
  /*
   Folder for carts' persistent memory (UTF-8), or NULL to keep none.
   */
  const char *pmem_dir;
  /*
   The runner executable (the `cartbox` binary, UTF-8), or NULL to look for it:
   `CARTBOX_RUNNER`, then `cartbox` beside this library, then on `PATH`.
   */
  const char *runner;
  /*
   `CARTBOX_CLOCK_REAL` (default): `time()` is the time since the cart started;
   `CARTBOX_CLOCK_FRAMES`: it counts frames (frame k at (k-1)*1000/60 ms), as
   `cartbox run --headless` does, so the same input gives the same frames.
   */
  uint32_t clock;
} CartboxOptions;

/*
 A console, by number.
 */
typedef uint64_t CartboxHandle;

/*
 The input of one frame, as TIC-80's RAM holds it.
 */
typedef struct CartboxInput {
  /*
   Players 1 to 4: bits up, down, left, right, A, B, X, Y.
   */
  uint8_t gamepads[4];
  /*
   Mouse x, y (screen pixels), then buttons and wheel as TIC-80 packs them.
   */
  uint8_t mouse[4];
  /*
   Up to four TIC-80 key codes held (1..94; 0 none).
   */
  uint8_t keyboard[4];
} CartboxInput;

/*
 Why a cart stopped.
 */
typedef struct CartboxStop {
  /*
   `CARTBOX_STOP_*`.
   */
  int32_t kind;
  /*
   The line in the cart, or 0 when not known.
   */
  uint32_t line;
  /*
   What happened, one line, NUL-terminated (cut to fit).
   */
  char message[512];
  /*
   The cart file (or the file in it, e.g. a `.wat`), NUL-terminated; empty when not
   known.
   */
  char file[256];
} CartboxStop;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/*
 Fills `options` with the defaults (and its `size`).

 # Safety
 `options` is null (nothing is done) or points to a writable `CartboxOptions`.
 */
void cartbox_options_init(struct CartboxOptions *options);

/*
 Makes a console: starts its zygote from the runner executable and checks that it forks
 runners. On success `*out` is its handle.

 # Safety
 `options` is null (the defaults) or points to a `CartboxOptions` filled by
 `cartbox_options_init`, whose strings are null or NUL-terminated; `out` points to a
 writable handle.
 */
int32_t cartbox_create(const struct CartboxOptions *options, CartboxHandle *out);

/*
 Stops the console: its runner is killed and its zygote ends. The handle is no longer
 a console's.
 */
int32_t cartbox_destroy(CartboxHandle handle);

/*
 Loads the cart at `path` (any form Cartbox plays: `.lua`, `.js`, `.tic`, `.png`,
 `.wasm`, `.wasmp`...) into a fresh runner: its top-level code and `BOOT` run.

 # Safety
 `path` is null (an error) or NUL-terminated.
 */
int32_t cartbox_load_file(CartboxHandle handle, const char *path, uint32_t flags);

/*
 Loads a cart held in memory, read as a file named `name` would be (its extension says
 its form).

 # Safety
 `name` is NUL-terminated; `bytes` points to `len` readable bytes (or `len` is 0).
 */
int32_t cartbox_load_bytes(CartboxHandle handle,
                           const char *name,
                           const uint8_t *bytes,
                           size_t len,
                           uint32_t flags);

/*
 Runs one frame with `input` (NULL: nothing pressed). Waiting, returns when it is done
 (`CARTBOX_OK`), the cart stopped (`CARTBOX_STOPPED`) or exited (`CARTBOX_EXITED`).
 With `CARTBOX_NO_WAIT` it returns at once: `CARTBOX_OK` when the frame asked for by the
 previous call has finished (its pixels and sound are now the frame's) and the next is
 asked for, `CARTBOX_LATE` while the runner is still at it.

 # Safety
 `input` is null or points to a `CartboxInput`.
 */
int32_t cartbox_frame(CartboxHandle handle, const struct CartboxInput *input, uint32_t flags);

/*
 Copies the newest finished frame into `out`: `count` must be `CARTBOX_FRAME_PIXELS`
 (256x144, rows top to bottom, 0x00RRGGBB, with the border).

 # Safety
 `out` points to `count` writable `uint32_t`.
 */
int32_t cartbox_pixels(CartboxHandle handle, uint32_t *out, size_t count);

/*
 Sets `*out` to the newest finished frame: `CARTBOX_FRAME_PIXELS` pixels (256x144, rows
 top to bottom, 0x00RRGGBB, with the border), without a copy, as TIC-80's `tic80.h`
 hands out its screen. The pixels stay valid until the next call on this handle.

 # Safety
 `out` points to a writable pointer.
 */
int32_t cartbox_screen(CartboxHandle handle, const uint32_t **out);

/*
 Copies the newest finished frame's sound into `out`: `count` must be
 `2 * CARTBOX_FRAME_SAMPLES` (stereo pairs, left first, 16-bit, 44,100 Hz; TIC-80's
 synthesis). Silence before the first frame and after a stop.

 # Safety
 `out` points to `count` writable `int16_t`.
 */
int32_t cartbox_sound(CartboxHandle handle, int16_t *out, size_t count);

/*
 Fills `out` with why the cart stopped (`kind` `CARTBOX_STOP_NONE` while it runs).

 # Safety
 `out` points to a writable `CartboxStop`.
 */
int32_t cartbox_stop_reason(CartboxHandle handle, struct CartboxStop *out);

/*
 Starts the cart again in a fresh runner.
 */
int32_t cartbox_restart(CartboxHandle handle, uint32_t flags);

/*
 Calls the cart's `MENU(index)`: its `-- menu:` item `index`, counted from 0.
 */
int32_t cartbox_menu(CartboxHandle handle, uint32_t index, uint32_t flags);

/*
 Copies the cart's persistent memory (as of the newest finished request) into `out`;
 `len` must be `CARTBOX_PMEM_BYTES`. `CARTBOX_ERR_NOT_RUNNING` before a cart ran.

 # Safety
 `out` points to `len` writable bytes.
 */
int32_t cartbox_pmem(CartboxHandle handle, uint8_t *out, size_t len);

/*
 Copies the message of the last error on `handle` (or, for a failed `cartbox_create` or
 a wrong handle, of the last such error on this thread) into `out`, NUL-terminated and
 cut to fit `len`. Returns the message's full length in bytes (0: no error).

 # Safety
 `out` is null (only the length is returned) or points to `len` writable bytes.
 */
size_t cartbox_last_error(CartboxHandle handle, char *out, size_t len);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* CARTBOX_H */
