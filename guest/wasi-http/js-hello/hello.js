// The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial, as a standard
// `wasi:http` handler (a fetch event, as in a service worker): `name` and `city` from the query
// string, `day` from the `day` header, `time` from the `time` field of a JSON body. On a path
// that ends in `/stream` the greeting is streamed instead, as plain text a word at a time,
// `pause_ms` apart (0 to 10000, default 200): a `ReadableStream` body, which the host sends on
// as it is written.

const DEFAULT_PAUSE_MS = 200;
const MAX_PAUSE_MS = 10000;

function lastNonEmpty(params, name) {
  const values = params.getAll(name).filter((value) => value !== "");
  // The tutorial reads REST API's single-value maps: the last value, ignored when empty.
  const last = params.getAll(name).at(-1);
  return last === undefined || last === "" ? undefined : values.at(-1);
}

async function timeOfDay(request) {
  const text = await request.text();
  if (text === "") return undefined;
  const body = JSON.parse(text);
  const time = body !== null && typeof body === "object" ? body.time : undefined;
  return typeof time === "string" && time !== "" ? time : undefined;
}

async function hello(request) {
  let time;
  try {
    time = await timeOfDay(request);
  } catch (error) {
    return Response.json(
      { message: `The request body is not valid JSON: ${error.message}` },
      { status: 400 },
    );
  }
  const params = new URL(request.url).searchParams;
  const name = lastNonEmpty(params, "name") ?? "you";
  const city = lastNonEmpty(params, "city") ?? "World";
  const day = request.headers.get("day");
  let greeting = `Good ${time ?? "day"}, ${name} of ${city}.`;
  if (day) greeting += ` Happy ${day}!`;
  if (!new URL(request.url).pathname.endsWith("/stream")) return Response.json({ greeting });
  const pause = params.get("pause_ms") ?? String(DEFAULT_PAUSE_MS);
  const pauseMs = Number(pause);
  if (!/^[0-9]+$/.test(pause) || pauseMs > MAX_PAUSE_MS) {
    return Response.json(
      { message: `pause_ms must be a whole number from 0 to ${MAX_PAUSE_MS}` },
      { status: 400 },
    );
  }
  return new Response(wordByWord(greeting, pauseMs), {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

// `text` a word at a time (each with the space after it), `pauseMs` between words.
function wordByWord(text, pauseMs) {
  const words = text.split(" ").map((word, i, all) => (i < all.length - 1 ? `${word} ` : word));
  const encoder = new TextEncoder();
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      const word = words.shift();
      if (word === undefined) {
        controller.close();
        return;
      }
      if (!first) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      first = false;
      controller.enqueue(encoder.encode(word));
    },
  });
}

addEventListener("fetch", (event) => event.respondWith(hello(event.request)));
