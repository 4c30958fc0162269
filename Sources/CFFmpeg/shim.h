#ifndef TANDEM_CFFMPEG_SHIM_H
#define TANDEM_CFFMPEG_SHIM_H
// FFmpeg 5.1 headers, plus prefixed shims for the macros Swift cannot import.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
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

// Flag macros written as shifts, which Swift does not import.
static const int tandem_AV_FRAME_FLAG_CORRUPT = AV_FRAME_FLAG_CORRUPT;
static const int tandem_AV_PKT_FLAG_KEY = AV_PKT_FLAG_KEY;
static const int tandem_AV_PKT_FLAG_CORRUPT = AV_PKT_FLAG_CORRUPT;
static const int tandem_AV_PKT_FLAG_DISCARD = AV_PKT_FLAG_DISCARD;
static const int tandem_AVSEEK_FLAG_BACKWARD = AVSEEK_FLAG_BACKWARD;
static const int tandem_FF_THREAD_FRAME = FF_THREAD_FRAME;
static const int tandem_FF_THREAD_SLICE = FF_THREAD_SLICE;
static const int tandem_AV_CODEC_FLAG_GLOBAL_HEADER = AV_CODEC_FLAG_GLOBAL_HEADER;
static const int tandem_AVFMT_GLOBALHEADER = AVFMT_GLOBALHEADER;
static const int tandem_AVFMT_NOFILE = AVFMT_NOFILE;
static const int tandem_AVIO_FLAG_WRITE = AVIO_FLAG_WRITE;
static const int tandem_AV_DISPOSITION_DEFAULT = AV_DISPOSITION_DEFAULT;
static const int tandem_AV_DISPOSITION_ATTACHED_PIC = AV_DISPOSITION_ATTACHED_PIC;
static const int tandem_AV_CODEC_FLAG_QSCALE = AV_CODEC_FLAG_QSCALE;
static const int tandem_FF_QP2LAMBDA = FF_QP2LAMBDA;
static const int tandem_SWS_FAST_BILINEAR = SWS_FAST_BILINEAR;
static const int tandem_SWS_BILINEAR = SWS_BILINEAR;
static const int tandem_SWS_BICUBIC = SWS_BICUBIC;
static const int tandem_SWS_AREA = SWS_AREA;
static const int tandem_SWS_POINT = SWS_POINT;
static const int tandem_SWS_ACCURATE_RND = SWS_ACCURATE_RND;
static const int tandem_SWS_FULL_CHR_H_INT = SWS_FULL_CHR_H_INT;
static const uint64_t tandem_AV_PIX_FMT_FLAG_PAL = AV_PIX_FMT_FLAG_PAL;
static const uint64_t tandem_AV_PIX_FMT_FLAG_BITSTREAM = AV_PIX_FMT_FLAG_BITSTREAM;
static const uint64_t tandem_AV_PIX_FMT_FLAG_HWACCEL = AV_PIX_FMT_FLAG_HWACCEL;

// The fixed-size plane arrays of an AVFrame, as pointers (Swift imports them as 8-tuples).
static inline uint8_t **tandem_frame_data(AVFrame *frame) { return frame->data; }
static inline int *tandem_frame_linesize(AVFrame *frame) { return frame->linesize; }

#endif
