// The page of `cess-node storage web`: plain JavaScript, no dependencies, talks only to the
// server that served it (which holds the keys and runs the Rust client).
'use strict';

const $ = (id) => document.getElementById(id);
const GIB = 1024 ** 3;
let account = null; // index into the server's account list
let lastOverview = null;
let busy = false;

/** A JSON request to the server; state-changing ones carry the header the server requires. */
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (method !== 'GET') init.headers['X-CESS-Web'] = '1';
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error((data && data.error) || `HTTP ${res.status}`);
  return data;
}

function setStatus(el, text, error) {
  el.textContent = text;
  el.classList.toggle('error', Boolean(error));
}

function bytes(n) {
  if (n >= GIB) return `${(n / GIB).toFixed(2)} GiB (${n.toLocaleString('en')} bytes)`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB (${n.toLocaleString('en')} bytes)`;
  return `${n.toLocaleString('en')} bytes`;
}

function setBar(name, done, total) {
  const pct = total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 0;
  $(`bar-${name}`).value = pct;
  $(`pct-${name}`).textContent = `${pct} %`;
}

async function loadAccounts() {
  const { accounts } = await api('GET', '/api/accounts');
  const select = $('account');
  select.replaceChildren();
  for (const a of accounts) {
    const opt = document.createElement('option');
    opt.value = String(a.id);
    opt.textContent = `${a.name} (${a.address.slice(0, 8)}…)`;
    opt.dataset.address = a.address;
    select.append(opt);
  }
  const saved = localStorage.getItem('cess-web-account');
  if (saved !== null && accounts.some((a) => String(a.id) === saved)) select.value = saved;
  selectAccount();
}

function selectAccount() {
  const select = $('account');
  account = Number(select.value);
  localStorage.setItem('cess-web-account', select.value);
  $('address').textContent = select.selectedOptions[0]?.dataset.address || '';
  lastOverview = null;
  refresh();
  quote();
}

async function refresh() {
  if (account === null) return;
  const shown = account;
  let v;
  try {
    v = await api('GET', `/api/accounts/${shown}`);
  } catch (e) {
    setStatus($('chain'), `Chain unavailable: ${e.message}`, true);
    return;
  }
  if (shown !== account) return;
  lastOverview = v;
  setStatus($('chain'), `Best block #${v.best_block} · ${v.blocks_per_day} blocks per day`);
  $('price').textContent = `${v.price_per_gib_day_cess} CESS per GiB per day`;
  const l = v.lease;
  if (l) {
    $('lease-space').textContent = `${l.space_gib} GiB`;
    $('lease-used').textContent = bytes(l.used);
    $('lease-free').textContent = bytes(l.free_bytes);
    $('lease-expiry').textContent = l.expiring
      ? `ended at block #${l.expires_at}; files being deleted`
      : `block #${l.expires_at} (${l.blocks_left} blocks, about ${l.days_left} days)`;
  } else {
    for (const id of ['lease-space', 'lease-used', 'lease-free', 'lease-expiry']) $(id).textContent = '–';
    $('lease-space').textContent = 'no lease';
  }
  renderFiles(v.files || []);
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function renderFiles(files) {
  const body = $('files').tBodies[0];
  body.replaceChildren();
  $('files-empty').hidden = files.length > 0;
  for (const f of files) {
    const tr = document.createElement('tr');
    tr.dataset.hash = f.file;
    tr.append(
      cell(f.file, 'hash'),
      cell(f.name || '–'),
      cell(String(f.size), 'num size'),
      cell(f.state, 'state'),
      cell(`${f.health.confirmed}/${f.health.slots}`, 'num confirmed'),
      cell(f.health.readable ? `${f.health.spare} holders` : 'unreadable', 'spare'),
      cell(f.last_proven_round === null ? 'not yet' : `round ${f.last_proven_round}`, 'proven'),
    );
    const actions = document.createElement('td');
    const link = document.createElement('a');
    link.href = `/api/accounts/${account}/files/${f.file}/content`;
    link.textContent = 'Download';
    link.setAttribute('download', f.name || `${f.file}.bin`);
    link.setAttribute('aria-label', `Download ${f.name || f.file}`);
    link.className = 'download';
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'secondary delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete ${f.name || f.file}`);
    del.disabled = f.state === 'deleting';
    del.addEventListener('click', () => removeFile(f, del));
    actions.append(link, ' ', del);
    tr.append(actions);
    body.append(tr);
  }
}

async function removeFile(f, button) {
  if (!window.confirm(`Delete ${f.name || f.file}? Its fragments are released by the miners.`)) return;
  button.disabled = true;
  setStatus($('files-status'), 'Deleting…');
  try {
    const r = await api('DELETE', `/api/accounts/${account}/files/${f.file}`);
    setStatus($('files-status'), `Deletion started at block #${r.deletion_started_at}.`);
  } catch (e) {
    setStatus($('files-status'), `Delete failed: ${e.message}`, true);
    button.disabled = false;
  }
  refresh();
}

let quoteTimer = null;
function quote() {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(async () => {
    const gib = Number($('buy-gib').value) || 0;
    const days = Number($('buy-days').value) || 0;
    try {
      const q = await api('GET', `/api/accounts/${account}/quote?gib=${gib}&days=${days}`);
      const what = lastOverview && lastOverview.lease && !lastOverview.lease.expiring
        ? `add ${gib} GiB and ${days} days` : `a lease of ${gib} GiB for ${days} days`;
      setStatus($('buy-cost'), `Cost: ${q.cost_cess} CESS (${what}).`);
    } catch (e) {
      setStatus($('buy-cost'), e.message, true);
    }
  }, 200);
}

async function buy(event) {
  event.preventDefault();
  const gib = Number($('buy-gib').value) || 0;
  const days = Number($('buy-days').value) || 0;
  $('buy').disabled = true;
  setStatus($('buy-status'), 'Paying… (waiting for the transaction to be in a block)');
  try {
    const l = await api('POST', `/api/accounts/${account}/space`, { gib, days });
    setStatus($('buy-status'), `Lease: ${l.space_gib} GiB until block #${l.expires_at}.`);
  } catch (e) {
    setStatus($('buy-status'), `Not bought: ${e.message}`, true);
  }
  $('buy').disabled = false;
  await refresh();
  quote();
}

/** Asks whether the lease has room, sends the file with XHR (upload progress events), then
 * follows the server's job. */
async function upload(event) {
  event.preventDefault();
  const file = $('file').files[0];
  if (!file || busy) return;
  busy = true;
  $('upload').disabled = true;
  for (const b of ['send', 'encode', 'upload', 'confirm']) setBar(b, 0, 1);
  $('upload-hash').textContent = '';
  try {
    await api('GET', `/api/accounts/${account}/upload-check?size=${file.size}`);
  } catch (e) {
    setStatus($('upload-status'), `Upload refused: ${e.message}`, true);
    busy = false;
    $('upload').disabled = false;
    return;
  }
  setStatus($('upload-status'), `Sending ${file.name} (${bytes(file.size)}) to this server…`);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', `/api/accounts/${account}/files?name=${encodeURIComponent(file.name)}`);
  xhr.setRequestHeader('X-CESS-Web', '1');
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) setBar('send', e.loaded, e.total); };
  const finish = (text, error) => {
    setStatus($('upload-status'), text, error);
    busy = false;
    $('upload').disabled = false;
    refresh();
  };
  xhr.onerror = () => finish('Upload failed: the server closed the connection.', true);
  xhr.onload = () => {
    let data = null;
    try { data = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status !== 200 || !data) {
      finish(`Upload refused: ${(data && data.error) || `HTTP ${xhr.status}`}`, true);
      return;
    }
    setBar('send', 1, 1);
    follow(data.job, finish);
  };
  xhr.send(file);
}

const STEPS = {
  start: 'Starting…',
  encode: 'Erasure coding and computing fragment roots…',
  lease: 'Checking the lease…',
  declare: 'Declaring the file on chain…',
  place: 'Waiting for the chain to place the fragments on miners…',
  upload: 'Uploading fragments to their miners…',
  confirm: 'Waiting for the miners to confirm on chain…',
  stored: 'Stored.',
};

async function follow(job, finish) {
  let j;
  try {
    j = await api('GET', `/api/jobs/${job}`);
  } catch (e) {
    finish(`Lost the upload job: ${e.message}`, true);
    return;
  }
  setBar('encode', j.encode.done, j.encode.total);
  setBar('upload', j.upload.done, j.upload.total);
  setBar('confirm', j.confirmed.done, j.confirmed.total);
  if (j.done) {
    if (j.error) {
      finish(`Upload failed: ${j.error}`, true);
    } else {
      $('upload-hash').textContent = j.file;
      finish(`Stored ${j.name} (${bytes(j.size)}) in ${j.seconds.toFixed(1)} s.`);
    }
    return;
  }
  setStatus($('upload-status'), STEPS[j.step] || j.step);
  setTimeout(() => follow(job, finish), 500);
}

$('account').addEventListener('change', selectAccount);
$('buy-form').addEventListener('submit', buy);
$('buy-gib').addEventListener('input', quote);
$('buy-days').addEventListener('input', quote);
$('upload-form').addEventListener('submit', upload);
setInterval(() => { if (document.visibilityState === 'visible') refresh(); }, 5000);
loadAccounts().catch((e) => setStatus($('chain'), `Cannot load accounts: ${e.message}`, true));
