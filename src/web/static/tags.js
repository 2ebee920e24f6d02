// Kiln's tag editor: every dataset image with its final caption; one tag added, removed or replaced on a
// selection at once, or on one image by its chips. Edits are stored as the doubtful-tag pager stores them.

const grant = new URLSearchParams(location.search);
const headers = { 'x-kiln-link': grant.toString() };
const $ = (id) => document.getElementById(id);
const state = { data: null, selected: new Set() };

function say(text) {
  $('status').textContent = text;
}

async function api(body) {
  const response = await fetch('api/tags', {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
  });
  const value = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  return { status: response.status, value };
}

function shown() {
  const filter = $('filter').value.trim().toLowerCase().replace(/_/g, ' ');
  if (filter === '') return state.data.images;
  return state.data.images.filter((image) => image.tags.some((tag) => tag === filter));
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render() {
  const data = state.data;
  $('title').textContent = `Tags · ${data.project.characterName}`;
  const images = shown();
  $('count').textContent = `${images.length} of ${data.images.length} images · ${data.family} captions`;
  $('selected').textContent = `${state.selected.size} selected`;
  const d = data.decisions;
  const parts = [`Main tag (always first): ${data.project.mainTag}`];
  if (d.fold.length) parts.push(`folded: ${d.fold.join(', ')}`);
  if (d.drop.length) parts.push(`dropped: ${d.drop.join(', ')}`);
  if (d.keep.length) parts.push(`kept: ${d.keep.join(', ')}`);
  for (const outfit of d.outfits) parts.push(`outfit ${outfit.tag} = ${outfit.components.join(' + ')}`);
  $('decisions').textContent = parts.join(' · ');
  const all = new Set(data.images.flatMap((image) => image.tags));
  $('all-tags').replaceChildren(
    ...[...all].sort().map((tag) => Object.assign(document.createElement('option'), { value: tag })),
  );
  const grid = $('grid');
  grid.replaceChildren();
  for (const image of images) {
    const card = element('article', 'card');
    card.dataset.imageId = String(image.id);
    card.setAttribute('aria-selected', String(state.selected.has(image.id)));
    const pick = element('label', 'pick');
    const box = element('input');
    box.type = 'checkbox';
    box.checked = state.selected.has(image.id);
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(image.id);
      else state.selected.delete(image.id);
      render();
    });
    pick.append(box, ` ${image.name}${image.kind === 'image' ? '' : ` (${image.kind})`}`);
    const img = element('img');
    img.loading = 'lazy';
    img.alt = image.name;
    img.src = `thumb/${image.id}?${grant.toString()}`;
    img.addEventListener('click', () => box.click());
    const caption = element('p', 'caption', image.caption);
    const chips = element('div', 'chips');
    chips.append(element('span', 'chip main', data.project.mainTag));
    const doubtful = new Map(image.doubtful.map((entry) => [entry.tag, entry]));
    for (const tag of image.tags) {
      const chip = element('button', `chip${doubtful.has(tag) ? ' doubtful' : ''}`, `${tag} ×`);
      chip.type = 'button';
      chip.title = doubtful.has(tag)
        ? `doubtful (${doubtful.get(tag).reasons.join(', ')}): remove`
        : 'remove';
      chip.addEventListener('click', () => void edit([image.id], 'remove', tag));
      chips.append(chip);
    }
    for (const entry of image.doubtful.filter((e) => !e.onImage)) {
      const chip = element('button', 'chip doubtful absent', `+ ${entry.tag}?`);
      chip.type = 'button';
      chip.title = `doubtful, not on the image (${entry.reasons.join(', ')}): add`;
      chip.addEventListener('click', () => void edit([image.id], 'add', entry.tag));
      chips.append(chip);
    }
    card.append(pick, img, caption, chips);
    grid.append(card);
  }
}

async function edit(imageIds, action, tag, replacement) {
  if (imageIds.length === 0) return say('Select images first.');
  if (!tag) return say('Type a tag first.');
  say('Saving…');
  const { status, value } = await api({
    imageIds,
    action,
    tag,
    ...(replacement ? { with: replacement } : {}),
  });
  if (status !== 200) return say(value.error ?? `HTTP ${status}`);
  state.data = value;
  render();
  const verb = action === 'add' ? 'Added' : action === 'remove' ? 'Removed' : 'Replaced';
  say(
    `${verb} ${tag}${replacement ? ` with ${replacement}` : ''} on ${imageIds.length} image${imageIds.length === 1 ? '' : 's'}.`,
  );
}

$('filter').addEventListener('input', render);
$('select-all').addEventListener('click', () => {
  for (const image of shown()) state.selected.add(image.id);
  render();
});
$('select-none').addEventListener('click', () => {
  state.selected.clear();
  render();
});
$('add').addEventListener('click', () => void edit([...state.selected], 'add', $('tag').value.trim()));
$('remove').addEventListener('click', () => void edit([...state.selected], 'remove', $('tag').value.trim()));
$('replace').addEventListener('click', () => {
  if (!$('with').value.trim()) return say('Type the new tag in “with”.');
  void edit([...state.selected], 'replace', $('tag').value.trim(), $('with').value.trim());
});

async function start() {
  const { status, value } = await api();
  if (status !== 200) return say(value.error ?? `HTTP ${status}`);
  state.data = value;
  render();
}
void start();
