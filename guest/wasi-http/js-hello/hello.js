// The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial, as a standard
// `wasi:http` handler (a fetch event, as in a service worker): `name` and `city` from the query
// string, `day` from the `day` header, `time` from the `time` field of a JSON body.

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
  return Response.json({ greeting });
}

addEventListener("fetch", (event) => event.respondWith(hello(event.request)));
