// The FFmpeg headers Steiger uses, plus `static inline` wrappers for the macros
// Swift cannot import (function-like macros and macros built from casts or
// compound literals).
#ifndef STEIGER_CFFMPEG_SHIM_H
#define STEIGER_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>

/// `AVERROR(e)`: an FFmpeg error code from a POSIX errno value.
static inline int steiger_averror(int posix_error) { return AVERROR(posix_error); }
/// `AVERROR_EOF`.
static inline int steiger_averror_eof(void) { return AVERROR_EOF; }
/// `AVERROR(EAGAIN)`.
static inline int steiger_averror_eagain(void) { return AVERROR(EAGAIN); }
/// `AVERROR_INVALIDDATA`.
static inline int steiger_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
/// `AVERROR_EXIT` (returned when the interrupt callback stopped an operation).
static inline int steiger_averror_exit(void) { return AVERROR_EXIT; }
/// `AVERROR_DECODER_NOT_FOUND`.
static inline int steiger_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
/// `AVERROR_ENCODER_NOT_FOUND`.
static inline int steiger_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
/// `AVERROR_STREAM_NOT_FOUND`.
static inline int steiger_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
/// `AV_NOPTS_VALUE`: "no timestamp".
static inline int64_t steiger_nopts_value(void) { return AV_NOPTS_VALUE; }
/// `AV_TIME_BASE_Q`: the microsecond time base of format-level durations.
static inline AVRational steiger_time_base_q(void) { return AV_TIME_BASE_Q; }

#endif
