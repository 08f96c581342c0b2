// The JSON endpoints of `csdl serve` this page uses (docs/serve.md). The page is only a client of them.

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function parse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    throw new ApiError(`the server answered ${response.status} without JSON`, response.status, null);
  }
  if (!response.ok) {
    throw new ApiError(body && body.error ? body.error : `HTTP ${response.status}`, response.status, body);
  }
  return body;
}

export async function getJSON(path, { signal } = {}) {
  return parse(await fetch(path, { headers: { Accept: "application/json" }, signal }));
}

export async function postJSON(path, data, { signal } = {}) {
  return parse(await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(data),
    signal,
  }));
}

export async function postForm(path, form, { signal } = {}) {
  return parse(await fetch(path, { method: "POST", body: form, headers: { Accept: "application/json" }, signal }));
}
