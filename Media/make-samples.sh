#!/usr/bin/env bash
# Makes the sample media in Media/ (committed; this script is the record of how they were made).
# Needs: ffmpeg (with libx264), espeak-ng, fluidsynth, fluid-soundfont-gm, python3 (standard library only).
#
#   talking.mp4          8 s: espeak-ng speech; the picture is a face-like drawing whose "mouth" is the
#                        speech waveform (showwaves), on a slowly moving gradient. 640x360 25 fps, AAC mono 16 kHz.
#   two-instruments.mp4  8 s: a violin and a flute (FluidR3 GM), each rendered alone by fluidsynth;
#                        the picture shows each instrument's own waveform as a moving panel, violin left,
#                        flute right; the sound is their mix. 640x360 25 fps, AAC stereo 22.05 kHz.
#   testpattern.mp4      5 s: FFmpeg's testsrc2 pattern with a 1 kHz tone. 640x360 25 fps, AAC mono 44.1 kHz.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
soundfont=/usr/share/sounds/sf2/FluidR3_GM.sf2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
x264=(-c:v libx264 -preset medium -crf 30 -pix_fmt yuv420p -g 50 -movflags +faststart)

# --- talking.mp4 ---------------------------------------------------------------------------
espeak-ng -v en-us -s 150 -w "$work/speech.wav" \
  "Hello. This is Tandem, a streaming audio visual pipeline. It decodes video, samples frames, \
and listens to what people say, even when the room is noisy."
ff -i "$work/speech.wav" -af "apad=whole_dur=8,atrim=0:8,aresample=16000" -ac 1 "$work/speech16k.wav"
ff -f lavfi -i "gradients=size=640x360:rate=25:duration=8:speed=0.01:c0=0x203050:c1=0x406080" \
   -i "$work/speech16k.wav" -filter_complex "\
[1:a]asplit[a][w];\
[w]volume=2,showwaves=size=120x70:rate=25:mode=cline:colors=0xA02020:scale=sqrt[wave];\
color=c=0x603030:size=120x70:rate=25:duration=8[lips];[lips][wave]overlay=shortest=1[mouth];\
[0:v]drawbox=x=220:y=60:w=200:h=240:color=0xE0C0A0:t=fill,\
drawbox=x=260:y=120:w=40:h=25:color=0x302020:t=fill,drawbox=x=340:y=120:w=40:h=25:color=0x302020:t=fill[face];\
[face][mouth]overlay=x=260:y=200:shortest=1[v]" \
   -map "[v]" -map "[a]" "${x264[@]}" -c:a aac -b:a 48k -t 8 "$here/talking.mp4"

# --- two-instruments.mp4 -------------------------------------------------------------------
# Two melodies as General MIDI files (violin: program 40; flute: program 73), written with the standard library.
python3 - "$work" <<'PY'
import struct, sys
def midi(path, program, notes, tempo_us=500000):
    events = bytearray()
    events += b"\x00\xff\x51\x03" + tempo_us.to_bytes(3, "big")
    events += bytes([0x00, 0xC0, program])
    def vlq(n):
        out = [n & 0x7F]
        while n > 127:
            n >>= 7
            out.insert(0, (n & 0x7F) | 0x80)
        return bytes(out)
    for key, beats in notes:
        events += vlq(0) + bytes([0x90, key, 96])
        events += vlq(int(beats * 480)) + bytes([0x80, key, 0])
    events += b"\x00\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480))
        f.write(b"MTrk" + struct.pack(">I", len(events)) + events)
violin = [(67, 1), (69, 1), (71, 1), (72, 1), (74, 2), (72, 1), (71, 1), (69, 2), (67, 2), (71, 1), (74, 1), (79, 2)]
flute = [(84, 0.5), (83, 0.5), (81, 0.5), (79, 0.5), (81, 1), (84, 1), (86, 2), (84, 0.5), (83, 0.5), (81, 1), (79, 2), (76, 2), (79, 2), (84, 2)]
midi(sys.argv[1] + "/violin.mid", 40, violin)
midi(sys.argv[1] + "/flute.mid", 73, flute)
PY
for part in violin flute; do
  fluidsynth -ni -q -g 0.8 -r 22050 -F "$work/$part-raw.wav" "$soundfont" "$work/$part.mid"
  ff -i "$work/$part-raw.wav" -af "apad=whole_dur=8,atrim=0:8" -ac 1 "$work/$part.wav"
done
ff -i "$work/violin.wav" -i "$work/flute.wav" -filter_complex "\
[0:a]asplit[va][vw];[1:a]asplit[fa][fw];\
[vw]volume=1.5,showwaves=size=280x280:rate=25:mode=cline:colors=0xF0B040:scale=sqrt[vwave];\
[fw]volume=1.5,showwaves=size=280x280:rate=25:mode=cline:colors=0x60C8F0:scale=sqrt[fwave];\
color=c=0x402810:size=280x280:rate=25:duration=8[vpanel];color=c=0x102840:size=280x280:rate=25:duration=8[fpanel];\
[vpanel][vwave]overlay=shortest=1[vl];[fpanel][fwave]overlay=shortest=1[fl];\
color=c=0x181818:size=640x360:rate=25:duration=8[bg];\
[bg][vl]overlay=x=20:y=40[b1];[b1][fl]overlay=x=340:y=40:shortest=1[v];\
[va][fa]amerge=inputs=2[a]" \
   -map "[v]" -map "[a]" "${x264[@]}" -c:a aac -b:a 64k -t 8 "$here/two-instruments.mp4"

# --- testpattern.mp4 -----------------------------------------------------------------------
ff -f lavfi -i "testsrc2=size=640x360:rate=25:duration=5" -f lavfi -i "sine=frequency=1000:sample_rate=44100:duration=5" \
   "${x264[@]}" -c:a aac -b:a 48k -ac 1 -shortest "$here/testpattern.mp4"

ls -l "$here"/*.mp4
du -ch "$here"/*.mp4 | tail -1
