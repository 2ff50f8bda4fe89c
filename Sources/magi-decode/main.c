// magi-decode: the studio's video decoder, a small child process on libavformat, libavcodec and
// libswscale that writes frames as raw RGBA to its standard output.
//
// Why a program of its own rather than the `ffmpeg` command line or libav in the studio's process
// (docs/PERFORMANCE.md, "Previews"): Debian's `ffmpeg` links libavdevice and libavfilter and with
// them 215 shared libraries, 43 MB of whose pages every preview paid for, and spends ~60 ms loading
// them before the first frame; this program links the four libraries a decoder needs (136 in all
// with libavcodec's own dependencies), so a playback's process tree is ~20 MB smaller and starts
// sooner. A process of its own keeps libav's ABI and a decoder crash out of the studio, and keeps
// libav out of every CLI run that never shows a picture.
//
// Usage (every mode writes frames scaled to exactly WIDTH×HEIGHT, 4 bytes a pixel, no header):
//   magi-decode probe FILE
//       the first video stream and the container, as JSON with ffprobe's field names
//       (`-show_entries stream=codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration
//       :format=format_name,duration`), read from the same libavformat fields ffprobe reads.
//   magi-decode frames FILE WIDTH HEIGHT --indices N,N,…
//       one decoding pass keeping the frames with these numbers (0 = the first frame decoded), each
//       written once, in increasing order (a short clip is one GOP: seeking would decode it again).
//   magi-decode frames FILE WIDTH HEIGHT --times T,T,…
//       for each time in seconds, in the order given, the frame shown then: a seek to the keyframe
//       before it, then decoding up to it.
//   magi-decode play FILE WIDTH HEIGHT START [--loop]
//       every frame from the one shown at START seconds to the end; with --loop, from the start
//       again, forever, stopping at the first decoding error (no looping over a broken file).
//       Frames are scaled with swscale's fast bilinear (the others use area averaging); the
//       pipe's backpressure is the pacing. Every mode decodes on one thread (see openDecoder).
//
// Frames are decoded without deblocking (`skip_loop_filter`): a frame shrunk to a terminal shows
// no block edges, and skipping the filter takes ~12 % off the decode. Errors: one line on standard
// error (libav's own lines come before it), exit 1; a file in no format a preview reads (a
// playlist, a sound) exits 65; bad usage exits 64.
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// A decoder of one file's first video stream, scaling to one size.
typedef struct {
  AVFormatContext *format;
  AVCodecContext *codec;
  AVPacket *packet;
  AVFrame *frame;
  struct SwsContext *scaler;
  int stream;
  int width, height, scaleFlags;
  uint8_t *pixels;
  bool drained;  // the decoder has been sent its end; receive until AVERROR_EOF
} Decoder;

/// One line on standard error, without the file's name (the studio's message names it), and exit 1.
static void fail(const char *what, int error) {
  char reason[AV_ERROR_MAX_STRING_SIZE] = "";
  if (error) av_strerror(error, reason, sizeof reason);
  fprintf(stderr, "%s%s%s\n", what, error ? ": " : "", reason);
  exit(1);
}

static int usage(void) {
  fputs("usage: magi-decode probe FILE | frames FILE WIDTH HEIGHT (--indices N,… | --times T,…) |"
        " play FILE WIDTH HEIGHT START [--loop]\n",
        stderr);
  return 64;
}

/// The containers a preview reads: videos (MP4/QuickTime, Matroska/WebM, AVI, GIF) and the still
/// pictures an image-to-video request starts from. Playlists and other indirections (HLS, concat,
/// image sequences by pattern) are refused: a downloaded "video" is the server's bytes, and one that
/// is really a playlist would make the decoder open other files or URLs.
static const char *const formatWhitelist =
    "mov,matroska,avi,gif,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe";

static void openInput(Decoder *d, const char *path) {
  AVDictionary *options = NULL;
  av_dict_set(&options, "format_whitelist", formatWhitelist, 0);
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  int error = avformat_open_input(&d->format, path, NULL, &options);
  av_dict_free(&options);
  // EINVAL here is the whitelist's refusal (a playlist, a concat list, a sound file): exit 65, which
  // the studio reads as "not a video".
  if (error == AVERROR(EINVAL)) {
    fputs("not a video or picture format a preview reads\n", stderr);
    exit(65);
  }
  if (error < 0) fail("cannot open", error);
  error = avformat_find_stream_info(d->format, NULL);
  if (error < 0) fail("cannot read its streams", error);
  d->stream = av_find_best_stream(d->format, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
}

/// One decoding thread: frame threading keeps a frame per thread in flight (on the 720p clip, a
/// sheet's decoder peaked at 51 MB with libavcodec's automatic count against 42 MB with one, in the
/// same time; a 4K clip's at 130 against 76 MB), and a preview needs real time, not throughput.
static void openDecoder(Decoder *d, int width, int height, int scaleFlags) {
  if (d->stream < 0) fail("no video stream", 0);
  AVStream *stream = d->format->streams[d->stream];
  const AVCodec *codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) fail("no decoder for its video", 0);
  d->codec = avcodec_alloc_context3(codec);
  d->packet = av_packet_alloc();
  d->frame = av_frame_alloc();
  if (!d->codec || !d->packet || !d->frame) fail("out of memory", 0);
  int error = avcodec_parameters_to_context(d->codec, stream->codecpar);
  if (error < 0) fail("cannot set up its decoder", error);
  d->codec->thread_count = 1;
  d->codec->skip_loop_filter = AVDISCARD_ALL;
  d->codec->pkt_timebase = stream->time_base;
  error = avcodec_open2(d->codec, codec, NULL);
  if (error < 0) fail("cannot open its decoder", error);
  for (AVStream **other = d->format->streams; other < d->format->streams + d->format->nb_streams; other++)
    if ((*other)->index != d->stream) (*other)->discard = AVDISCARD_ALL;
  d->width = width;
  d->height = height;
  d->scaleFlags = scaleFlags;
  if (!(d->pixels = malloc((size_t)width * (size_t)height * 4))) fail("out of memory", 0);
}

/// The next decoded frame into `d->frame`: 1, or 0 at the end of the stream. A decoding error
/// ends the process (`strict`) or skips the packet, as ffmpeg does without `-xerror`.
static int nextFrame(Decoder *d, bool strict) {
  for (;;) {
    int error = avcodec_receive_frame(d->codec, d->frame);
    if (error == 0) return 1;
    if (error == AVERROR_EOF) return 0;
    if (error != AVERROR(EAGAIN)) {
      if (strict) fail("cannot decode", error);
      continue;
    }
    if (d->drained) return 0;
    error = av_read_frame(d->format, d->packet);
    if (error < 0) {
      if (error != AVERROR_EOF && strict) fail("cannot read", error);
      d->drained = true;
      avcodec_send_packet(d->codec, NULL);
      continue;
    }
    if (d->packet->stream_index == d->stream) {
      error = avcodec_send_packet(d->codec, d->packet);
      if (error < 0 && error != AVERROR(EAGAIN) && strict) fail("cannot decode", error);
    }
    av_packet_unref(d->packet);
  }
}

/// Seconds of the current frame from the stream's start.
static double frameTime(const Decoder *d) {
  AVStream *stream = d->format->streams[d->stream];
  int64_t pts = d->frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) pts = d->frame->pts;
  if (pts == AV_NOPTS_VALUE) return 0;
  if (stream->start_time != AV_NOPTS_VALUE) pts -= stream->start_time;
  return pts * av_q2d(stream->time_base);
}

/// To the keyframe at or before `seconds`, with the decoder emptied.
static void seekTo(Decoder *d, double seconds) {
  AVStream *stream = d->format->streams[d->stream];
  // Past any video's end (a seek there lands on the last keyframe), and small enough that the
  // conversion to the stream's ticks cannot overflow (undefined behaviour in C).
  if (seconds > 1e7) seconds = 1e7;
  int64_t target = (int64_t)(seconds / av_q2d(stream->time_base));
  if (stream->start_time != AV_NOPTS_VALUE) target += stream->start_time;
  int error = av_seek_frame(d->format, d->stream, target, AVSEEK_FLAG_BACKWARD);
  if (error < 0) error = av_seek_frame(d->format, d->stream, target, AVSEEK_FLAG_BACKWARD | AVSEEK_FLAG_ANY);
  if (error < 0) fail("cannot seek", error);
  avcodec_flush_buffers(d->codec);
  d->drained = false;
}

static void writeAll(const uint8_t *bytes, size_t length) {
  while (length > 0) {
    ssize_t written = write(STDOUT_FILENO, bytes, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) exit(0);  // the reader has gone: nothing left to do
    bytes += written;
    length -= (size_t)written;
  }
}

/// Writes `f` scaled to the output size as RGBA.
static void emit(Decoder *d, const AVFrame *f) {
  d->scaler = sws_getCachedContext(d->scaler, f->width, f->height, f->format, d->width, d->height, AV_PIX_FMT_RGBA,
                                   d->scaleFlags, NULL, NULL, NULL);
  if (!d->scaler) fail("cannot scale its frames", 0);
  uint8_t *planes[4] = {d->pixels};
  int strides[4] = {d->width * 4};
  sws_scale(d->scaler, (const uint8_t *const *)f->data, f->linesize, 0, f->height, planes, strides);
  writeAll(d->pixels, (size_t)d->width * (size_t)d->height * 4);
}

// MARK: - probe

static void printRational(const char *name, AVRational value) {
  printf(",\"%s\":\"%d/%d\"", name, value.num, value.den);
}

static int probe(const char *path) {
  Decoder d = {0};
  openInput(&d, path);
  printf("{\"streams\":[");
  if (d.stream >= 0) {
    AVStream *stream = d.format->streams[d.stream];
    printf("{\"codec_type\":\"video\",\"width\":%d,\"height\":%d", stream->codecpar->width, stream->codecpar->height);
    printRational("avg_frame_rate", stream->avg_frame_rate);
    printRational("r_frame_rate", stream->r_frame_rate);
    if (stream->nb_frames > 0) printf(",\"nb_frames\":\"%lld\"", (long long)stream->nb_frames);
    if (stream->duration != AV_NOPTS_VALUE)
      printf(",\"duration\":\"%.6f\"", stream->duration * av_q2d(stream->time_base));
    printf("}");
  }
  printf("],\"format\":{\"format_name\":\"%s\"", d.format->iformat->name);
  if (d.format->duration != AV_NOPTS_VALUE) printf(",\"duration\":\"%.6f\"", d.format->duration / (double)AV_TIME_BASE);
  printf("}}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

// MARK: - frames

/// Comma-separated numbers; exits 64 on anything else.
static double *parseList(const char *text, int *count) {
  int capacity = 1;
  for (const char *c = text; *c; c++) capacity += *c == ',';
  double *values = calloc((size_t)capacity, sizeof *values);
  if (!values) exit(1);
  *count = 0;
  for (const char *cursor = text;;) {
    char *end;
    double value = strtod(cursor, &end);
    if (end == cursor || value < 0 || !isfinite(value)) exit(usage());
    values[(*count)++] = value;
    if (*end == '\0') break;
    if (*end != ',') exit(usage());
    cursor = end + 1;
  }
  return values;
}

static int compareNumbers(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int framesByIndex(Decoder *d, double *indices, int count) {
  qsort(indices, (size_t)count, sizeof *indices, compareNumbers);
  int wanted = 0, written = 0;
  for (long index = 0; wanted < count && nextFrame(d, false); index++) {
    if ((double)index < indices[wanted]) continue;
    emit(d, d->frame);
    written++;
    while (wanted < count && indices[wanted] <= (double)index) wanted++;
  }
  if (written == 0) fail("no frame decoded", 0);
  return 0;
}

/// The frame shown at each time: the last one starting at or before it (the first, before the first).
static int framesByTime(Decoder *d, const double *times, int count) {
  const double slack = 1e-6;
  for (int i = 0; i < count; i++) {
    seekTo(d, times[i]);
    AVFrame *shown = av_frame_alloc();
    bool found = false;
    while (nextFrame(d, false)) {
      if (found && frameTime(d) > times[i] + slack) break;
      av_frame_unref(shown);
      av_frame_move_ref(shown, d->frame);
      found = true;
    }
    if (!found) fail("no frame decoded", 0);
    emit(d, shown);
    av_frame_free(&shown);
  }
  return 0;
}

// MARK: - play

static int play(Decoder *d, double start, bool loop) {
  const double slack = 1e-6;
  if (start > 0) seekTo(d, start);
  for (;;) {
    long written = 0;
    AVFrame *held = av_frame_alloc();
    bool holding = false;
    while (nextFrame(d, loop)) {
      // Frames before `start` are decoded to reach it; the last of them is the one shown at it.
      if (start > 0 && written == 0 && frameTime(d) <= start + slack) {
        av_frame_unref(held);
        av_frame_move_ref(held, d->frame);
        holding = true;
        continue;
      }
      if (holding) {
        emit(d, held);
        av_frame_unref(held);
        holding = false;
        written++;
      }
      emit(d, d->frame);
      written++;
    }
    if (holding) {
      emit(d, held);
      written++;
    }
    av_frame_free(&held);
    if (written == 0) fail("no frame decoded", 0);
    if (!loop) return 0;
    start = 0;
    seekTo(d, 0);
  }
}

int main(int argc, char **argv) {
  av_log_set_level(AV_LOG_ERROR);
  if (argc == 3 && strcmp(argv[1], "probe") == 0) return probe(argv[2]);
  if (argc < 6) return usage();
  char *end;
  long width = strtol(argv[3], &end, 10);
  if (*end || width < 1 || width > 16384) return usage();
  long height = strtol(argv[4], &end, 10);
  if (*end || height < 1 || height > 16384) return usage();
  Decoder d = {0};
  if (strcmp(argv[1], "frames") == 0 && argc == 7) {
    int count;
    double *values = parseList(argv[6], &count);
    bool byIndex = strcmp(argv[5], "--indices") == 0;
    if (!byIndex && strcmp(argv[5], "--times") != 0) return usage();
    openInput(&d, argv[2]);
    openDecoder(&d, (int)width, (int)height, SWS_AREA);
    return byIndex ? framesByIndex(&d, values, count) : framesByTime(&d, values, count);
  }
  if (strcmp(argv[1], "play") == 0 && (argc == 6 || (argc == 7 && strcmp(argv[6], "--loop") == 0))) {
    double start = strtod(argv[5], &end);
    if (*end || start < 0 || !isfinite(start)) return usage();
    openInput(&d, argv[2]);
    openDecoder(&d, (int)width, (int)height, SWS_FAST_BILINEAR);
    return play(&d, start, argc == 7);
  }
  return usage();
}
