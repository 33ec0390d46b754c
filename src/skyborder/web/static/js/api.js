// The server's REST API (same origin; the session cookie, if any, goes along by itself).

async function answer(response) {
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== '' && value !== undefined && value !== null) query.set(key, value);
  const text = query.toString();
  return answer(await fetch(text ? `${path}?${text}` : path, {credentials: 'same-origin'}));
}

export async function postJSON(path, body) {
  return answer(await fetch(path, {
    method: 'POST', credentials: 'same-origin', headers: {'content-type': 'application/json'}, body: JSON.stringify(body),
  }));
}
