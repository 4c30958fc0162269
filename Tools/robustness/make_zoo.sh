#!/usr/bin/env bash
# Makes a zoo of small odd media files (and non-media traps) under DIR for robustness runs:
# every container, codec, size, pixel format, rate, channel layout and timing oddity Tandem may meet.
#   Tools/robustness/make_zoo.sh /tmp/robust/zoo
# Needs Debian's ffmpeg (libx264, libx265, libvpx, libaom or libsvtav1). Outputs are tiny (1-2 s, mostly
# 96x64) and made on demand; never commit them. Each clip is independent: one failed recipe is reported
# and skipped. Traps that need special rights (an unreadable file) are made last.
set -u
DIR=${1:?usage: make_zoo.sh DIR}
mkdir -p "$DIR"
cd "$DIR" || exit 1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FF="ffmpeg -hide_banner -loglevel error -y"
V="testsrc2=size=96x64:rate=25"          # small moving picture
A="sine=frequency=440:sample_rate=48000" # a tone
failed=0
make() {  # make NAME ffmpeg-arguments…
  local name=$1; shift
  if ! $FF "$@" "$name" 2>"$name.log"; then echo "zoo: could not make $name: $(tail -1 "$name.log")" >&2; rm -f "$name"; failed=$((failed + 1)); fi
  rm -f "$name.log"
}
av() { echo -f lavfi -i "$V:duration=${1:-2}" -f lavfi -i "$A:duration=${1:-2}"; }

# containers with their usual codecs
make c_h264_aac_mp4.mp4   $(av) -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make c_h264_aac_mov.mov   $(av) -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make c_h264_opus.mkv  $(av) -c:v libx264 -pix_fmt yuv420p -c:a libopus -shortest
make c_vp9_opus.webm  $(av) -c:v libvpx-vp9 -deadline realtime -c:a libopus -shortest
make c_vp8_vorbis.webm $(av) -c:v libvpx -deadline realtime -c:a libvorbis -shortest
make c_mpeg4_mp3.avi  $(av) -c:v mpeg4 -c:a libmp3lame -shortest
make c_h264_aac_ts.ts    $(av) -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make c_h264_aac_flv.flv   $(av) -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make c_theora_vorbis.ogg $(av) -c:v libtheora -c:a libvorbis -shortest
make c_hevc_aac.mp4   $(av) -c:v libx265 -x265-params log-level=none -pix_fmt yuv420p -tag:v hvc1 -c:a aac -shortest
if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libsvtav1; then
  make c_av1_opus.mkv $(av 1) -c:v libsvtav1 -preset 12 -c:a libopus -shortest
else
  make c_av1_opus.mkv $(av 1) -c:v libaom-av1 -cpu-used 8 -c:a libopus -shortest
fi
make c_mjpeg_pcm.avi  $(av) -c:v mjpeg -c:a pcm_s16le -shortest
make c_prores_pcm.mov $(av) -c:v prores_ks -profile:v 0 -c:a pcm_s24le -shortest
make c_ffv1_flac.mkv  $(av) -c:v ffv1 -c:a flac -shortest

# audio-only files
make a_pcm.wav   -f lavfi -i "$A:duration=2" -c:a pcm_s16le
make a_float.wav -f lavfi -i "$A:duration=2" -c:a pcm_f32le
make a_flac.flac -f lavfi -i "$A:duration=2"
make a_mp3.mp3   -f lavfi -i "$A:duration=2"
make a_aac.m4a   -f lavfi -i "$A:duration=2" -c:a aac
make a_opus.opus -f lavfi -i "$A:duration=2"
make a_8k.wav    -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=2"
make a_96k.flac  -f lavfi -i "sine=frequency=440:sample_rate=96000:duration=2"
make a_51.flac   -f lavfi -i "anoisesrc=duration=2:sample_rate=48000" -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0"
make a_8ch.wav   -f lavfi -i "anoisesrc=duration=2:sample_rate=48000" -af "pan=7.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0|c6=c0|c7=c0"
make a_silent.wav -f lavfi -i "anullsrc=r=48000:cl=mono" -t 2
make a_short.wav -f lavfi -i "$A:duration=0.1"
make a_tiny.wav  -f lavfi -i "$A:duration=0.001"
make a_cover.mp3 -f lavfi -i "$A:duration=2" -f lavfi -i "color=red:size=64x64:duration=1" -frames:v 1 \
  -map 0:a -map 1:v -c:v mjpeg -disposition:v attached_pic -id3v2_version 3
make a_loud.wav   -f lavfi -i "aevalsrc='if(lt(mod(t*440,1),0.5),1,-1)':s=48000:d=2"  # full-scale square: overshoots when resampled
make a_0samples.wav -f lavfi -i "$A:duration=1" -t 0

# video codecs, sizes, pixel formats
make v_noaudio.mp4  -f lavfi -i "$V:duration=2" -c:v libx264 -pix_fmt yuv420p
make v_odd.mp4      -f lavfi -i "testsrc2=size=97x63:rate=25:duration=2" -c:v libx264 -pix_fmt yuv444p
make v_odd420.mkv   -f lavfi -i "testsrc2=size=97x63:rate=25:duration=2" -c:v ffv1 -pix_fmt yuv420p
make v_1x1.mkv      -f lavfi -i "color=blue:size=16x16:rate=25:duration=1" -vf scale=1:1 -c:v ffv1
make v_2x2.mp4      -f lavfi -i "color=blue:size=2x2:rate=25:duration=1" -c:v libx264 -pix_fmt yuv444p
make v_16x16.mp4    -f lavfi -i "testsrc2=size=16x16:rate=25:duration=1" $(echo -f lavfi -i "$A:duration=1") -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make v_4k.mp4       -f lavfi -i "testsrc2=size=3840x2160:rate=25:duration=0.4" -c:v libx264 -preset ultrafast -pix_fmt yuv420p
make v_portrait.mp4 -f lavfi -i "testsrc2=size=72x128:rate=25:duration=2" $(echo -f lavfi -i "$A:duration=2") -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
[ -s v_noaudio.mp4 ] && make v_rot90.mp4 -i v_noaudio.mp4 -c copy -metadata:s:v:0 rotate=90   # FFmpeg 5.1's way to a display matrix
make v_10bit.mkv    -f lavfi -i "$V:duration=2" -c:v libx265 -x265-params log-level=none -pix_fmt yuv420p10le
make v_10bit_h264.mp4 -f lavfi -i "$V:duration=2" -c:v libx264 -pix_fmt yuv420p10le
make v_444.mp4      -f lavfi -i "$V:duration=2" -c:v libx264 -pix_fmt yuv444p
make v_gray.mkv     -f lavfi -i "$V:duration=2" -c:v ffv1 -pix_fmt gray
make v_gray16.mkv   -f lavfi -i "$V:duration=2" -c:v ffv1 -pix_fmt gray16le
make v_rgba.mov     -f lavfi -i "$V:duration=2" -c:v qtrle -pix_fmt argb
make v_pal8.avi     -f lavfi -i "$V:duration=2" -vf format=pal8 -c:v rawvideo -pix_fmt pal8
make v_1fps.mp4     -f lavfi -i "testsrc2=size=96x64:rate=1:duration=4" $(echo -f lavfi -i "$A:duration=4") -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make v_120fps.mp4   -f lavfi -i "testsrc2=size=96x64:rate=120:duration=1" $(echo -f lavfi -i "$A:duration=1") -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest
make v_vfr.mkv      -f lavfi -i "$V:duration=3" -vf "setpts='if(lt(N,25),N/25,if(lt(N,40),1+(N-25)/5,4+(N-40)/50))/TB'" -fps_mode vfr -c:v libx264 -pix_fmt yuv420p
make v_one_frame.mp4 -f lavfi -i "$V:duration=1" -frames:v 1 -c:v libx264 -pix_fmt yuv420p
make v_still_long_audio.mp4 -f lavfi -i "color=gray:size=96x64:rate=1:duration=1" $(echo -f lavfi -i "$A:duration=3") -c:v libx264 -pix_fmt yuv420p -c:a aac
make v_0frames.mp4  -f lavfi -i "$V:duration=1" -f lavfi -i "$A:duration=1" -map 0:v -map 1:a -c:v libx264 -c:a aac -t 0
make v_short.mp4    $(av 0.1) -c:v libx264 -pix_fmt yuv420p -c:a aac
make v_gif.gif      -f lavfi -i "$V:duration=1"
make v_sar.mp4      -f lavfi -i "$V:duration=2" -vf setsar=16/11 -c:v libx264 -pix_fmt yuv420p

# streams: several audio tracks, subtitles, data, timing offsets
printf '1\n00:00:00,000 --> 00:00:01,000\nhello\n' > sub.srt
make s_two_audio.mkv  $(av) -f lavfi -i "sine=frequency=880:sample_rate=22050:duration=2" -map 0:v -map 1:a -map 2:a -c:v libx264 -pix_fmt yuv420p -c:a aac
make s_subtitle.mkv   $(av) -i sub.srt -map 0:v -map 1:a -map 2:s -c:v libx264 -pix_fmt yuv420p -c:a aac -c:s srt
make s_subtitle_movtext.mp4   $(av) -i sub.srt -map 0:v -map 1:a -map 2:s -c:v libx264 -pix_fmt yuv420p -c:a aac -c:s mov_text
make s_subtitle_only.mkv -i sub.srt -c:s srt
make s_data.ts        $(av) -map 0:v -map 1:a -c:v libx264 -pix_fmt yuv420p -c:a aac -mpegts_flags +system_b -f mpegts -streamid 0:256
make s_audio_late.mkv -f lavfi -i "$V:duration=3" -itsoffset 1.0 -f lavfi -i "$A:duration=2" -c:v libx264 -pix_fmt yuv420p -c:a libopus
make s_video_late.mp4 -itsoffset 1.0 -f lavfi -i "$V:duration=2" -f lavfi -i "$A:duration=3" -fps_mode passthrough -c:v libx264 -pix_fmt yuv420p -c:a aac
make s_video_late_mkv.mkv -itsoffset 1.0 -f lavfi -i "$V:duration=2" -f lavfi -i "$A:duration=3" -fps_mode passthrough -c:v libx264 -pix_fmt yuv420p -c:a libopus
make s_editlist.mp4   $(av) -c:v libx264 -pix_fmt yuv420p -bf 2 -c:a aac -output_ts_offset -0.5
make s_neg_ts.mkv     -itsoffset -0.3 -f lavfi -i "$V:duration=2" -f lavfi -i "$A:duration=2" -c:v libx264 -pix_fmt yuv420p -c:a libopus -avoid_negative_ts disabled
rm -f sub.srt

# damaged files and traps
[ -s c_h264_aac_mp4.mp4 ] && head -c 6000 c_h264_aac_mp4.mp4 > x_truncated.mp4
[ -s c_h264_aac.mkv ] || cp c_h264_opus.mkv c_h264_aac.mkv 2>/dev/null
if [ -s c_h264_opus.mkv ]; then
  head -c 20000 c_h264_opus.mkv > x_truncated_mkv.mkv
  cp c_h264_opus.mkv x_corrupt_middle.mkv
  size=$(stat -c %s x_corrupt_middle.mkv)
  dd if=/dev/urandom of=x_corrupt_middle.mkv bs=1 seek=$((size / 3)) count=$((size / 4)) conv=notrunc status=none
fi
rm -f c_h264_aac.mkv
[ -s c_h264_aac_ts.ts ] && { cp c_h264_aac_ts.ts x_corrupt_middle_ts.ts; size=$(stat -c %s x_corrupt_middle_ts.ts); \
  dd if=/dev/zero of=x_corrupt_middle_ts.ts bs=188 seek=$((size / 188 / 3)) count=$((size / 188 / 3)) conv=notrunc status=none; }
# AAC packets 20-31 overwritten: the decoder rejects them, and 0.28 s of audio is missing mid-file
if [ -s c_h264_aac_mp4.mp4 ]; then
  cp c_h264_aac_mp4.mp4 x_damaged_audio.mp4
  ffprobe -v error -select_streams a -show_entries packet=pos,size -of csv=p=0 c_h264_aac_mp4.mp4 | sed -n 20,31p |
    while IFS=, read -r size pos; do
      head -c "$size" /dev/zero | tr '\0' '\377' | dd of=x_damaged_audio.mp4 bs=1 seek="$pos" conv=notrunc status=none
    done
fi
: > x_zero_bytes.mp4
echo "this is not a video" > x_text_renamed.mp4
head -c 4096 /dev/urandom > x_random.mkv
mkdir -p x_directory.mp4
ln -sf x_loop_b.mp4 x_loop_a.mp4; ln -sf x_loop_a.mp4 x_loop_b.mp4
ln -sf does_not_exist.mp4 x_broken_link.mp4
[ -s c_h264_aac_mp4.mp4 ] && { cp c_h264_aac_mp4.mp4 "n_with space.mp4"; cp c_h264_aac_mp4.mp4 "n_ünïcødé_声音.mp4"; \
  cp c_h264_aac_mp4.mp4 "n_quote'\"s.mp4"; cp c_h264_aac_mp4.mp4 "n_-dash-first.mp4"; cp c_h264_aac_mp4.mp4 "n_UPPER.MP4"; }
[ -s a_pcm.wav ] && cp a_pcm.wav x_unreadable.wav && chmod 000 x_unreadable.wav
# mp4 whose moov atom is at the end and was cut away (a recording that stopped)
[ -s c_h264_aac_mp4.mp4 ] && { $FF -f lavfi -i "$V:duration=2" -c:v libx264 -pix_fmt yuv420p -movflags +faststart /dev/null 2>/dev/null; \
  head -c $(( $(stat -c %s c_h264_aac_mp4.mp4) - 800 )) c_h264_aac_mp4.mp4 > x_moov_cut.mp4; }
echo "zoo: $(ls -1 | wc -l) entries in $DIR, $failed recipes failed"
