// Kiln's crop editor: a box per crop on the image at screen size, saved as the Discord crop modal saves it.
// Plain module, no build step: coordinates in the page are screen pixels, everything sent is image pixels.

const grant = new URLSearchParams(location.search);
const headers = { 'x-kiln-link': grant.toString() };
const $ = (id) => document.getElementById(id);
const MIN_SIDE = 64;

const state = { data: null, index: 0, cropIndex: 0, box: null, base: null, conflict: null };

function say(text) {
  $('status').textContent = text;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
  });
  const value = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  return { status: response.status, value };
}

const image = () => state.data.images[state.index];
const crop = () => image()?.crops[state.cropIndex];
const scale = () => $('picture').clientWidth / image().width;

function clampBox(box) {
  const img = image();
  const width = Math.max(MIN_SIDE, Math.min(Math.round(box.width), img.width));
  const height = Math.max(MIN_SIDE, Math.min(Math.round(box.height), img.height));
  return {
    left: Math.max(0, Math.min(Math.round(box.left), img.width - width)),
    top: Math.max(0, Math.min(Math.round(box.top), img.height - height)),
    width,
    height,
  };
}

function chosenRatio() {
  const value = $('ratio').value;
  if (value === 'free') return null;
  const [w, h] = value.split('x').map(Number);
  return w / h;
}

/** The bucket sd-scripts puts a box in (closest aspect ratio), and the centre part it keeps of it. */
function bucketOf(box) {
  let best = null;
  for (const bucket of state.data.buckets) {
    const error = Math.abs(bucket.width / bucket.height - box.width / box.height);
    if (!best || error < best.error) best = { ...bucket, error };
  }
  return best;
}

function snapped(box) {
  const bucket = bucketOf(box);
  const ratio = bucket.width / bucket.height;
  let { width, height } = box;
  if (width / height > ratio) width = height * ratio;
  else height = width / ratio;
  return clampBox({
    left: box.left + (box.width - width) / 2,
    top: box.top + (box.height - height) / 2,
    width,
    height,
  });
}

function place(element, box) {
  const s = scale();
  element.style.left = `${box.left * s}px`;
  element.style.top = `${box.top * s}px`;
  element.style.width = `${box.width * s}px`;
  element.style.height = `${box.height * s}px`;
}

function render() {
  const img = image();
  if (!img) return;
  $('title').textContent = `Crops · ${state.data.project.characterName}`;
  $('position').textContent = `image ${state.index + 1} of ${state.data.images.length} · post ${img.postId}`;
  const list = $('crops');
  list.replaceChildren();
  img.crops.forEach((c, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-selected', String(i === state.cropIndex));
    button.dataset.cropId = String(c.id);
    button.textContent = `${c.kind}${c.confirmed ? ' ✓' : c.box ? ' (unsaved)' : ' (no box)'}`;
    button.addEventListener('click', () => selectCrop(i));
    list.append(button);
  });
  if (img.crops.length === 0) list.textContent = 'No crops yet: add one below.';
  const hasCrop = crop() !== undefined;
  $('box').hidden = !hasCrop || !state.box;
  $('save').disabled = !hasCrop || state.data.frozen;
  if (state.box) place($('box'), state.box);
  $('suggestion').hidden = !(crop()?.kind === 'headshot');
  place($('suggestion'), img.suggestedHead);
  const box = state.box;
  if (box) {
    const bucket = bucketOf(box);
    $('readout').textContent =
      `${box.left},${box.top} ${box.width}×${box.height} → bucket ${bucket.width}×${bucket.height}`;
  } else $('readout').textContent = '';
  $('previous').disabled = state.index === 0;
  $('next').disabled = state.index >= state.data.images.length - 1;
}

function selectCrop(i) {
  state.cropIndex = i;
  const c = crop();
  state.base = c ? { box: c.box, confirmed: c.confirmed } : null;
  state.box = c ? (c.box ?? (c.kind === 'headshot' ? image().suggestedHead : fullBox())) : null;
  state.conflict = null;
  $('conflict').hidden = true;
  render();
}

function fullBox() {
  const img = image();
  return { left: 0, top: 0, width: img.width, height: img.height };
}

function showImage(index) {
  if (!state.data.images[index]) return;
  state.index = index;
  const picture = $('picture');
  picture.onload = () => selectCrop(0);
  picture.src = `image/${image().candidateId}?${grant.toString()}`;
  say('');
}

async function addCrop(kind) {
  const { status, value } = await api(`api/images/${image().candidateId}/crops`, { kind });
  if (status !== 200) return say(value.error);
  const crops = image().crops;
  const at = crops.findIndex((c) => c.id === value.crop.id);
  if (at === -1) crops.push(value.crop);
  selectCrop(at === -1 ? crops.length - 1 : at);
  say(`Added a ${kind} crop: draw its box, then save.`);
}

async function save(base = state.base) {
  const c = crop();
  if (!c || !state.box) return;
  say('Saving…');
  const { status, value } = await api(`api/crops/${c.id}`, { box: state.box, base });
  if (status === 200) {
    Object.assign(c, value.crop);
    state.base = { box: c.box, confirmed: c.confirmed };
    $('conflict').hidden = true;
    render();
    return say(`Saved the ${c.kind} crop.`);
  }
  if (status === 409 && value.current) {
    state.conflict = value.current;
    const theirs = value.current.box;
    $('conflict-text').textContent =
      `Someone saved this crop while you were editing: theirs ${theirs ? `${theirs.left},${theirs.top} ${theirs.width}×${theirs.height}` : 'has no box'}, yours ${state.box.left},${state.box.top} ${state.box.width}×${state.box.height}. Nothing was overwritten.`;
    $('conflict').hidden = false;
    return say('Choose which crop to keep.');
  }
  say(value.error ?? `Save failed (HTTP ${status}).`);
}

// Dragging: the box moves, a corner resizes (keeping the chosen shape); pointer events cover mouse and touch.
let drag = null;
$('box').addEventListener('pointerdown', (event) => {
  event.preventDefault();
  drag = {
    handle: event.target.dataset.handle ?? 'move',
    x: event.clientX,
    y: event.clientY,
    start: { ...state.box },
  };
  $('box').setPointerCapture(event.pointerId);
});
$('box').addEventListener('pointermove', (event) => {
  if (!drag) return;
  const s = scale();
  const dx = (event.clientX - drag.x) / s;
  const dy = (event.clientY - drag.y) / s;
  const b = { ...drag.start };
  if (drag.handle === 'move') {
    b.left += dx;
    b.top += dy;
  } else {
    const right = b.left + b.width;
    const bottom = b.top + b.height;
    if (drag.handle.includes('w')) b.left = Math.min(b.left + dx, right - MIN_SIDE);
    if (drag.handle.includes('n')) b.top = Math.min(b.top + dy, bottom - MIN_SIDE);
    b.width = drag.handle.includes('w') ? right - b.left : b.width + dx;
    b.height = drag.handle.includes('n') ? bottom - b.top : b.height + dy;
    const ratio = chosenRatio();
    if (ratio) {
      b.height = b.width / ratio;
      if (drag.handle.includes('n')) b.top = bottom - b.height;
    }
  }
  state.box = clampBox(b);
  render();
});
const endDrag = () => {
  if (!drag) return;
  drag = null;
  if ($('snap').checked && !chosenRatio()) state.box = snapped(state.box);
  render();
};
$('box').addEventListener('pointerup', endDrag);
$('box').addEventListener('pointercancel', endDrag);

$('ratio').addEventListener('change', () => {
  const ratio = chosenRatio();
  if (ratio && state.box) {
    const b = state.box;
    const width = Math.min(b.width, b.height * ratio);
    state.box = clampBox({ ...b, width, height: width / ratio });
  }
  render();
});
$('previous').addEventListener('click', () => showImage(state.index - 1));
$('next').addEventListener('click', () => showImage(state.index + 1));
$('save').addEventListener('click', () => void save());
$('use-suggestion').addEventListener('click', () => {
  state.box = { ...image().suggestedHead };
  render();
});
$('add-headshot').addEventListener('click', () => void addCrop('headshot'));
$('add-split').addEventListener('click', () => void addCrop('split'));
$('add-composition').addEventListener('click', () => void addCrop('composition'));
$('take-theirs').addEventListener('click', () => {
  Object.assign(crop(), state.conflict);
  selectCrop(state.cropIndex);
  say('Kept theirs.');
});
$('save-mine').addEventListener(
  'click',
  () => void save({ box: state.conflict.box, confirmed: state.conflict.confirmed }),
);
document.addEventListener('keydown', (event) => {
  if (event.target instanceof window.HTMLSelectElement || event.target instanceof window.HTMLInputElement)
    return;
  if (event.key === 'ArrowRight' || event.key === 'n') showImage(state.index + 1);
  else if (event.key === 'ArrowLeft' || event.key === 'p') showImage(state.index - 1);
  else if (event.key === 's') void save();
});
window.addEventListener('resize', render);

async function start() {
  const { status, value } = await api('api/crops');
  if (status !== 200) return say(value.error ?? `HTTP ${status}`);
  state.data = value;
  const ratio = $('ratio');
  const options = [
    ['free', 'Free'],
    ['1x1', 'Square'],
  ];
  const seen = new Set();
  for (const bucket of value.buckets) {
    const key = `${bucket.width}x${bucket.height}`;
    if (bucket.width === bucket.height || seen.has(key)) continue;
    seen.add(key);
    options.push([key, `Bucket ${bucket.width}×${bucket.height}`]);
  }
  for (const [key, label] of options) {
    const option = document.createElement('option');
    option.value = key;
    option.textContent = label;
    ratio.append(option);
  }
  if (value.images.length === 0) return say('No images to crop: every image was pruned or is missing.');
  showImage(0);
}
void start();
