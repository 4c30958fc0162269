#!/bin/bash
# Unusual real-world variants of one separation clip (a duet: two players side by side), for
# `tandem separate` and `Pipelines/separate-instruments.yaml`; see Tools/eval/results/robustness.md.
#   Tools/robustness/make_separation_odd.sh DUET.mkv OUT_DIR
# DUET: any short video with sound (the separation clips' mixture.mkv). Never commit the outputs.
set -euo pipefail
D=$1; O=$2; mkdir -p "$O"
f() { local name=$1; shift; [ -s "$O/$name" ] && return 0; ffmpeg -v error -y "$@" "$O/$name"; }
A="-c:a flac"; V="-c:v libx264 -pix_fmt yuv420p -crf 18"
# sample rates: the factorisation's cost grows with the rate
f a48k.mkv  -i "$D" -c:v copy -ar 48000 $A
f a96k.mkv  -i "$D" -c:v copy -ar 96000 $A
f a88k.mkv  -i "$D" -c:v copy -ar 88200 $A
f a192k.mkv -i "$D" -c:v copy -ar 192000 $A
# degenerate pictures
f onePxWide.mkv -i "$D" -vf "format=yuv444p,crop=1:180:200:0" -c:v ffv1 $A
f thinTall.mkv  -i "$D" -vf "format=yuv444p,crop=8:180:200:0,scale=8:2000" -c:v ffv1 $A
f tiny6x4.mkv   -i "$D" -vf "format=yuv444p,scale=6:4" -c:v ffv1 $A
# one stream shorter than the other (Matroska: per-stream durations only as tags; MP4: in the header)
f audioShorter.mkv -i "$D" -c:v copy -af atrim=0:5 $A
f videoShorter.mkv -i "$D" -vf trim=0:5 $V $A
f audioShorter.mp4 -i "$D" $V -af atrim=0:5 -c:a aac
f videoShorter.mp4 -i "$D" -vf trim=0:5 $V -c:a aac
f audioShorterNoTags.mkv -i "$D" -c:v copy -af atrim=0:5 $A -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact
# timestamps: audio 1.5 s late, video 1.5 s late, both shifted negative (Matroska keeps negatives)
f audioLate.mkv -i "$D" -itsoffset 1.5 -i "$D" -map 0:v -map 1:a -c:v copy $A
f videoLate.mkv -itsoffset 1.5 -i "$D" -i "$D" -map 0:v -map 1:a -c:v copy $A
f videoLate.mp4 -itsoffset 1.5 -i "$D" -i "$D" -map 0:v -map 1:a $V -c:a aac
f negativeTs.mkv -itsoffset -0.7 -i "$D" -map 0:v -map 0:a -c:v copy $A -avoid_negative_ts disabled
f audioNegative.mp4 -i "$D" -itsoffset -0.4 -i "$D" -map 0:v -map 1:a $V -c:a aac
# rotated (display matrix) and odd-sized
f oddSize.mp4 -i "$D" -vf "scale=479:179" -c:v libx264 -pix_fmt yuv444p -crf 18 -c:a aac
f rotatedOdd.mp4 -i "$O/oddSize.mp4" -c copy -metadata:s:v:0 rotate=90   # FFmpeg 5.1 sets a display matrix only when copying
# a phone call video: mono 8 kHz AMR-like speech band, QCIF, 15 fps, 3GP
f phone.3gp -i "$D" -vf "scale=176:144,fps=15" -c:v mpeg4 -q:v 5 -ac 1 -ar 8000 -c:a aac -b:a 16k
f phone8kMono.mp4 -i "$D" -vf "scale=176:144,fps=15" $V -ac 1 -ar 8000 -c:a aac
# audio only with a cover picture (an attached picture, not a video)
ffmpeg -v error -y -i "$D" -frames:v 1 -update 1 "$O/cover.png"
f coverArt.mp3  -i "$D" -i "$O/cover.png" -map 1:v -map 0:a -c:a libmp3lame -c:v png -disposition:v attached_pic -id3v2_version 3
f coverArt.m4a  -i "$D" -i "$O/cover.png" -map 1:v -map 0:a -c:a aac -c:v png -disposition:v attached_pic
f coverArt.flac -i "$D" -i "$O/cover.png" -map 1:v -map 0:a -c:a flac -c:v png -disposition:v attached_pic
f coverArt.mka  -i "$D" -attach "$O/cover.png" -metadata:s:t mimetype=image/png -map 0:a -c:a flac
# two audio streams: the mixture and a commentary (speech-band noise), in either order
f twoAudio.mkv -i "$D" -f lavfi -i "anoisesrc=d=10:c=pink:a=0.1:r=22050" -map 0:v -map 0:a -map 1:a -c:v copy $A \
   -metadata:s:a:0 title=mixture -metadata:s:a:1 title=commentary
f twoAudioCommentaryFirst.mkv -i "$D" -f lavfi -i "anoisesrc=d=10:c=pink:a=0.1:r=48000" -map 0:v -map 1:a -map 0:a -c:v copy $A \
   -metadata:s:a:0 title=commentary -metadata:s:a:1 title=mixture
# interlaced: field-coded H.264 (PAFF/MBAFF via x264 tff) and MPEG-2 in TS with two fields woven at 50 fields/s
f interlacedH264.mkv -i "$D" -vf "scale=480:180,tinterlace=interleave_top,setfield=tff" -c:v libx264 -pix_fmt yuv420p -flags +ilme+ildct -x264-params tff=1 $A
f interlacedMpeg2.ts -i "$D" -vf "tinterlace=interleave_top,setfield=tff" -c:v mpeg2video -q:v 3 -flags +ilme+ildct -top 1 -c:a mp2 -ar 48000
# 10-bit and HDR pixel formats
f hdr10.mkv -i "$D" -c:v libx265 -x265-params log-level=none -pix_fmt yuv420p10le -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc $A
f yuv422p10.mov -i "$D" -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le -c:a pcm_s24le
f vp9p2.webm -i "$D" -c:v libvpx-vp9 -pix_fmt yuv420p10le -b:v 1M -deadline realtime -cpu-used 8 -c:a libopus
f yuv444p12.mkv -i "$D" -c:v libx265 -x265-params log-level=none -pix_fmt yuv444p12le $A
# one key frame in two minutes (a very long GOP): whatever seeks must not decode from the start each time
f longGop2min.mkv -stream_loop 11 -i "$D" -c:v libx264 -pix_fmt yuv420p -g 100000 -keyint_min 100000 -sc_threshold 0 -crf 28 -preset veryfast $A
rm -f "$O/cover.png"
ls -la "$O"
