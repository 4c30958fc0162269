#ifndef TANDEM_CFFMPEG_SHIM_H
#define TANDEM_CFFMPEG_SHIM_H
// FFmpeg 5.1 headers, plus prefixed shims for the macros Swift cannot import.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <errno.h>

static inline int tandem_AVERROR(int e) { return AVERROR(e); }
static const int tandem_AVERROR_EOF = AVERROR_EOF;
static const int tandem_AVERROR_EAGAIN = AVERROR(EAGAIN);
static const int tandem_AVERROR_INVALIDDATA = AVERROR_INVALIDDATA;
static const int tandem_AVERROR_DECODER_NOT_FOUND = AVERROR_DECODER_NOT_FOUND;
static const int tandem_AVERROR_STREAM_NOT_FOUND = AVERROR_STREAM_NOT_FOUND;
static const int64_t tandem_AV_NOPTS_VALUE = AV_NOPTS_VALUE;
static const int tandem_AV_TIME_BASE = AV_TIME_BASE;
static const int tandem_AV_ERROR_MAX_STRING_SIZE = AV_ERROR_MAX_STRING_SIZE;

#endif
