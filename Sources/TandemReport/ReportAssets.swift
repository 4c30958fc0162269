/// The report's style sheet and script, written into `report/assets/` with every report.
///
/// Kept as text in the library (not as package resources) so the `tandem` binary alone can write a
/// complete report wherever it is installed. The script is plain browser JavaScript with no
/// dependencies: it draws the inputs table from `data/inputs.js` a page at a time, and ties each
/// transcript to the input's player (click to seek, the current word highlighted while it plays).
/// It builds every element with `textContent`, never `innerHTML`, so input strings stay text.
enum ReportAssets {
    static let css = #"""
    :root { --fg: #1d2330; --muted: #687083; --line: #d9dde5; --ok: #1f7a3f; --failed: #b3261e; --skipped: #6b6f7a;
            --warned: #9a6700; --accent: #2f5fd0; --now: #ffe066; --bg-soft: #f4f6fa; }
    * { box-sizing: border-box; }
    body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto;
           max-width: 1200px; padding: 1rem 1.5rem 4rem; }
    h1 { font-size: 1.5rem; margin: .3rem 0; display: inline; word-break: break-all; }
    h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
    h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
    code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; }
    pre { background: var(--bg-soft); padding: .6rem; overflow: auto; white-space: pre-wrap; word-break: break-word; }
    a { color: var(--accent); }
    .muted { color: var(--muted); }
    .path { word-break: break-all; }
    nav { margin-bottom: .6rem; }
    table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
    th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-weight: 600; background: var(--bg-soft); }
    td.norms { font-family: ui-monospace, monospace; }
    .counts { display: flex; flex-wrap: wrap; gap: .8rem; }
    .count { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; min-width: 7rem; }
    .count .n { font-size: 1.6rem; font-weight: 700; display: block; }
    .count.ok .n { color: var(--ok); } .count.failed .n { color: var(--failed); }
    .count.skipped .n { color: var(--skipped); } .count.warned .n { color: var(--warned); }
    .status { display: inline-block; border-radius: 4px; padding: 0 .45rem; font-size: .85rem; color: #fff; background: var(--skipped); }
    .status.ok { background: var(--ok); } .status.failed { background: var(--failed); } .status.warned { background: var(--warned); }
    .bar { display: inline-block; height: .7em; background: var(--accent); opacity: .6; vertical-align: middle; max-width: 8rem; }
    td .bar { width: 0; } td:has(> .bar) { white-space: nowrap; }
    .tag { font-size: .75rem; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 3px; padding: 0 .3rem; }
    .failure { border-left: 4px solid var(--failed); padding-left: .8rem; }
    details.failure-class { margin: .3rem 0; } details.failure-class summary { cursor: pointer; }
    details.failure-class .n { font-weight: 700; color: var(--failed); }
    code.class { cursor: pointer; }
    .controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
    .controls input { flex: 1 1 18rem; padding: .35rem; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
    dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-all; }
    .av { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
    .av .media { position: sticky; top: .5rem; }
    .av video, .av audio { width: 100%; background: #000; }
    .av audio { background: none; }
    .transcript { max-height: 32rem; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; }
    .segment { margin: .3rem 0; padding: .15rem .3rem; border-radius: 4px; cursor: pointer; }
    .segment.current { background: var(--bg-soft); }
    .segment .time { color: var(--muted); font-family: ui-monospace, monospace; font-size: .85em; }
    .speaker { font-size: .8rem; font-weight: 600; background: #e5ecff; color: #23408e; border-radius: 3px; padding: 0 .3rem; }
    .word { border-radius: 3px; }
    .word:hover { text-decoration: underline; }
    .word.now { background: var(--now); }
    .strip { display: flex; gap: .4rem; overflow-x: auto; padding-bottom: .3rem; }
    figure { margin: .3rem 0; }
    figcaption { color: var(--muted); font-size: .8rem; word-break: break-all; }
    .strip img { height: 100px; width: auto; display: block; cursor: pointer; }
    figure.wide img { max-width: 100%; height: auto; display: block; }
    .sources { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1rem; }
    .source { border: 1px solid var(--line); border-radius: 6px; padding: .5rem; }
    .source audio, .generated audio { width: 100%; }
    .regionframe { position: relative; width: 100%; background: #333; }
    .regionframe img, .regionframe svg { position: absolute; inset: 0; width: 100%; height: 100%; }
    .regionframe rect.region { fill: rgba(255, 224, 102, .15); stroke: #ffd400; stroke-width: 3; vector-effect: non-scaling-stroke; }
    .generated { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .5rem 0; }
    .generated .prompt { font-size: 1.1rem; font-style: italic; }
    ul.outputs { columns: 2; } li.missing { color: var(--muted); }
    @media (max-width: 800px) { .av { grid-template-columns: 1fr; } ul.outputs { columns: 1; } }
    """#

    static let script = #"""
    // Tandem report: the inputs table and timed transcripts. Written by `tandem report`.
    (function () {
      'use strict';

      function element(name, className, text) {
        var node = document.createElement(name);
        if (className) node.className = className;
        if (text !== undefined && text !== null) node.textContent = text;
        return node;
      }

      function duration(seconds) {
        if (seconds === null || seconds === undefined || !isFinite(seconds)) return '–';
        if (seconds < 60) return seconds.toFixed(seconds < 10 ? 2 : 1) + ' s';
        var whole = Math.round(seconds);
        if (whole < 3600) return Math.floor(whole / 60) + ' min ' + String(whole % 60).padStart(2, '0') + ' s';
        return Math.floor(whole / 3600) + ' h ' + String(Math.floor((whole % 3600) / 60)).padStart(2, '0') + ' min';
      }

      // ---- The inputs table: rows from data/inputs.js, filtered and drawn a page at a time. ----
      var table = document.getElementById('inputs');
      if (table && Array.isArray(window.tandemInputs)) {
        var rows = window.tandemInputs;
        var body = table.tBodies[0];
        var filter = document.getElementById('filter');
        var status = document.getElementById('status');
        var shown = document.getElementById('shown');
        var previous = document.getElementById('prev-rows');
        var next = document.getElementById('next-rows');
        var pageSize = 100;
        var start = 0;
        var matching = rows;

        var select = function () {
          var needle = filter.value.trim().toLowerCase();
          var wanted = status.value;
          matching = rows.filter(function (row) {
            if (wanted === 'warned' ? row.w === 0 : (wanted && row.s !== wanted)) return false;
            if (!needle) return true;
            return row.p.toLowerCase().indexOf(needle) >= 0 || (row.c || '').toLowerCase().indexOf(needle) >= 0 ||
              (row.m || '').toLowerCase().indexOf(needle) >= 0;
          });
          start = 0;
          draw();
        };

        var draw = function () {
          var fragment = document.createDocumentFragment();
          matching.slice(start, start + pageSize).forEach(function (row) {
            var tr = element('tr', 'row-' + row.s);
            var name = element('td', 'path');
            var link = element('a', null, row.p);
            link.href = row.u;
            name.appendChild(link);
            tr.appendChild(name);
            var state = element('td');
            state.appendChild(element('span', 'status ' + row.s, row.s));
            if (row.w > 0) { state.appendChild(document.createTextNode(' ')); state.appendChild(element('span', 'status warned', row.w + ' warning' + (row.w === 1 ? '' : 's'))); }
            tr.appendChild(state);
            tr.appendChild(element('td', null, duration(row.d)));
            tr.appendChild(element('td', null, row.s === 'skipped' ? '–' : duration(row.t)));
            tr.appendChild(element('td', null, String(row.o)));
            var problem = element('td', 'message');
            if (row.c) { problem.appendChild(element('code', null, row.c)); problem.appendChild(document.createTextNode(' ' + (row.m || ''))); }
            tr.appendChild(problem);
            fragment.appendChild(tr);
          });
          body.replaceChildren(fragment);
          var end = Math.min(start + pageSize, matching.length);
          shown.textContent = matching.length === 0 ? 'no input matches' :
            (start + 1) + '–' + end + ' of ' + matching.length + (matching.length < rows.length ? ' (of ' + rows.length + ')' : '');
          previous.disabled = start === 0;
          next.disabled = end >= matching.length;
        };

        var timer = null;
        filter.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(select, 120); });
        status.addEventListener('change', select);
        previous.addEventListener('click', function () { start = Math.max(0, start - pageSize); draw(); });
        next.addEventListener('click', function () { if (start + pageSize < matching.length) { start += pageSize; draw(); } });
        Array.prototype.forEach.call(document.querySelectorAll('code.class'), function (code) {
          code.title = 'Show these inputs in the table';
          code.addEventListener('click', function (event) {
            event.preventDefault();
            filter.value = code.textContent;
            status.value = 'failed';
            select();
            table.scrollIntoView();
          });
        });
        select();
      }

      // ---- Transcripts: click to seek, the current word highlighted while the input plays. ----
      var player = document.getElementById('player');
      var panels = Array.prototype.slice.call(document.querySelectorAll('.transcript'));
      var timed = function (node) { return { node: node, start: parseFloat(node.dataset.start), end: parseFloat(node.dataset.end) }; };
      var tracks = panels.map(function (panel) {
        return {
          panel: panel,
          words: Array.prototype.map.call(panel.querySelectorAll('.word'), timed),
          segments: Array.prototype.map.call(panel.querySelectorAll('.segment'), timed),
          word: null,
          segment: null
        };
      });

      // The last item starting at or before t, if t is before its end (items are in time order).
      var find = function (items, t) {
        var low = 0, high = items.length - 1, found = -1;
        while (low <= high) {
          var middle = (low + high) >> 1;
          if (items[middle].start <= t) { found = middle; low = middle + 1; } else { high = middle - 1; }
        }
        return found >= 0 && t < items[found].end ? items[found] : null;
      };

      var mark = function (track, key, item, className) {
        if (track[key] === item) return;
        if (track[key]) track[key].node.classList.remove(className);
        track[key] = item;
        if (item) item.node.classList.add(className);
      };

      var update = function () {
        if (!player) return;
        var t = player.currentTime;
        tracks.forEach(function (track) {
          var segment = find(track.segments, t);
          var changed = segment !== track.segment;
          mark(track, 'segment', segment, 'current');
          mark(track, 'word', find(track.words, t), 'now');
          if (changed && segment && !player.paused) {
            var panel = track.panel, node = segment.node;
            if (node.offsetTop < panel.scrollTop || node.offsetTop + node.offsetHeight > panel.scrollTop + panel.clientHeight) {
              panel.scrollTop = node.offsetTop - panel.offsetTop - 24;
            }
          }
        });
      };

      var seek = function (seconds) {
        if (!player || !isFinite(seconds)) return;
        player.currentTime = seconds;
        update();
        var playing = player.play();
        // Playback may be refused (no user gesture, no audio device): seeking still happened.
        if (playing && playing.catch) playing.catch(function () {});
      };

      if (player) {
        document.addEventListener('click', function (event) {
          var target = event.target.closest('[data-seek], .word, .segment');
          if (!target) return;
          seek(parseFloat(target.dataset.seek !== undefined ? target.dataset.seek : target.dataset.start));
        });
        var frame = function () { update(); if (!player.paused) window.requestAnimationFrame(frame); };
        player.addEventListener('play', function () { window.requestAnimationFrame(frame); });
        player.addEventListener('timeupdate', update);
        player.addEventListener('seeked', update);
      }
    })();
    """#
}
