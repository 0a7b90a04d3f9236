import { describe, expect, it } from "vitest";
import { client, emailsWithSubject, eventually, unique, useLocalCloud } from "./support";

/** Templates: versions, Liquid rendering at acceptance, escaping, locales, preview, tenants. */
const cloud = useLocalCloud();

async function tenant() {
  return client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
}

const welcome = (subjectTag: string) => ({
  sample_data: { name: "Sample", tag: subjectTag },
  channels: {
    email: {
      subject: "Welcome {{ name }} {{ tag }}",
      html: "<p>Hello <b>{{ name }}</b></p>",
    },
    sms: { text: "Hi {{ name }}" },
    in_app: { title: "Hi {{ name }}", body: "Welcome aboard" },
  },
  locales: {
    fr: {
      sms: { text: "Bonjour {{ name }}" },
      in_app: { title: "Bonjour {{ name }}" },
    },
  },
});

describe("templates", () => {
  it("stores a new version on each PUT, reads latest or ?version=, deletes", async () => {
    const api = await tenant();
    const id = unique("tpl");
    const first = await api.request("PUT", `/v1/templates/${id}`, welcome("a"));
    const second = await api.request("PUT", `/v1/templates/${id}`, {
      channels: { sms: { text: "v2 {{ name }}" } },
    });
    const latest = await api.request("GET", `/v1/templates/${id}`);
    const pinned = await api.request("GET", `/v1/templates/${id}?version=1`);
    const missingVersion = await api.request("GET", `/v1/templates/${id}?version=9`);
    const removed = await api.request("DELETE", `/v1/templates/${id}`);
    const gone = await api.request("GET", `/v1/templates/${id}`);
    const again = await api.request("PUT", `/v1/templates/${id}`, welcome("b"));

    expect(first.status).toBe(200);
    expect(first.body.version).toBe(1);
    expect(first.body.locale).toBe("en");
    expect(second.body.version).toBe(2);
    expect(latest.body.version).toBe(2);
    expect(latest.body.channels).toEqual({ sms: { text: "v2 {{ name }}" } });
    expect(pinned.body.version).toBe(1);
    expect(pinned.body.channels.email.subject).toBe("Welcome {{ name }} {{ tag }}");
    expect(missingVersion.status).toBe(404);
    expect(missingVersion.body.error.code).toBe("template_not_found");
    expect(removed.status).toBe(204);
    expect(gone.status).toBe(404);
    // Numbering continues: a version a sent notification names is never reused.
    expect(again.body.version).toBe(3);
  });

  it("renders at acceptance: HTML escaped in html only, text part generated, layout wrapped", async () => {
    const api = await tenant();
    const id = unique("tpl");
    const tag = unique("s");
    await api.request("PUT", `/v1/templates/${id}`, welcome(tag));
    const name = `<script>alert("x")</script> & Tom`;
    const sent = await api.request("POST", "/v1/notifications", {
      channel: "email",
      recipient: { email: `${unique("u")}@example.com`, timezone: "UTC" },
      template: { id },
      data: { name, tag },
      immediate: true,
    });

    expect(sent.status).toBe(202);
    expect(sent.body.template).toEqual({ id, version: 1, locale: "en" });
    const content = sent.body.content;
    expect(content.subject).toBe(`Welcome ${name} ${tag}`);
    expect(content.html).toContain(
      "<p>Hello <b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Tom</b></p>",
    );
    expect(content.html).not.toContain("<script>");
    expect(content.html).toMatch(/^<!doctype html>/);
    expect(content.html).toContain('name="viewport"');
    expect(content.html).toContain("max-width:600px");
    expect(content.text).toBe(`Hello ${name}`);

    const mail = await eventually(
      async () => (await emailsWithSubject(cloud().sesUrl, content.subject))[0],
      { what: "the templated email" },
    );
    expect(mail.body.html).toBe(content.html);
    expect(mail.body.text).toBe(content.text);
  });

  it("a missing variable is a 400 naming the field; nothing is stored", async () => {
    const api = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, welcome("x"));
    const before = await api.request("GET", "/v1/notifications");
    const refused = await api.request("POST", "/v1/notifications", {
      channel: "email",
      recipient: { email: `${unique("u")}@example.com` },
      template: { id },
      data: { name: "Ann" },
    });
    const after = await api.request("GET", "/v1/notifications");
    const unknown = await api.request("POST", "/v1/notifications", {
      channel: "sms",
      recipient: { phone: "+14155550123" },
      template: { id: unique("nope") },
      data: {},
    });
    const noChannel = await api.request("POST", "/v1/notifications", {
      channel: "push",
      recipient: { id: unique("r") },
      template: { id },
      data: { name: "Ann" },
    });

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("template_render_failed");
    expect(refused.body.error.details).toMatchObject({
      template: id,
      version: 1,
      field: "channels.email.subject",
      variable: "tag",
    });
    expect(after.body.items).toHaveLength(before.body.items.length);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("template_not_found");
    expect(noChannel.status).toBe(400);
    expect(noChannel.body.error.code).toBe("template_channel_missing");
  });

  it("falls back fr-CA → fr → default, and takes the profile's locale by default", async () => {
    const api = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, welcome("x"));
    const recipient = unique("r");
    const profile = await api.request("PUT", `/v1/recipients/${recipient}`, { locale: "fr-CA" });
    const send = (locale?: string, channel = "in_app") =>
      api.request("POST", "/v1/notifications", {
        channel,
        recipient: { id: recipient, phone: "+14155550123" },
        template: { id },
        data: { name: "Zoé" },
        ...(locale ? { locale } : {}),
      });
    const fromProfile = await send();
    const german = await send("de-DE");
    const english = await send("en");
    // fr has no email fields: the default's are used for that channel.
    const frSms = await send("fr-CA", "sms");

    expect(profile.status).toBe(200);
    expect(profile.body.locale).toBe("fr-CA");
    expect(fromProfile.body.content.title).toBe("Bonjour Zoé");
    expect(fromProfile.body.template.locale).toBe("fr");
    // fr's in_app has no body: the locale's own fields only, no mixing.
    expect(fromProfile.body.content.body).toBeUndefined();
    expect(german.body.content.title).toBe("Hi Zoé");
    expect(german.body.template.locale).toBe("en");
    expect(english.body.content).toEqual({ title: "Hi Zoé", body: "Welcome aboard" });
    expect(frSms.body.content.text).toBe("Bonjour Zoé");
  });

  it("a send pins the version it used; a new version changes only later sends", async () => {
    const api = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, {
      // An optional variable may be tested for; only its output is strict.
      channels: { sms: { text: "one {{ n }}{% if extra %} {{ extra }}{% endif %}" } },
    });
    const body = {
      channel: "sms",
      recipient: { phone: "+14155550123" },
      template: { id },
      data: { n: 1 },
    };
    const first = await api.request("POST", "/v1/notifications", body);
    await api.request("PUT", `/v1/templates/${id}`, { channels: { sms: { text: "two {{ n }}" } } });
    const second = await api.request("POST", "/v1/notifications", body);
    const pinned = await api.request("POST", "/v1/notifications", {
      ...body,
      template: { id, version: 1 },
    });
    const firstAgain = await api.request("GET", `/v1/notifications/${first.body.id}`);

    expect(first.body.template.version).toBe(1);
    expect(second.body.content.text).toBe("two 1");
    expect(second.body.template.version).toBe(2);
    expect(pinned.body.content.text).toBe("one 1");
    expect(firstAgain.body.content.text).toBe("one 1");
    expect(firstAgain.body.template).toEqual({ id, version: 1, locale: "en" });
  });

  it("an Idempotency-Key replay answers the first send, even after a new version", async () => {
    const api = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, { channels: { sms: { text: "one {{ n }}" } } });
    const body = {
      channel: "sms",
      recipient: { phone: "+14155550123" },
      template: { id },
      data: { n: 1 },
    };
    const key = { "idempotency-key": unique("k") };
    const first = await api.request("POST", "/v1/notifications", body, key);
    await api.request("PUT", `/v1/templates/${id}`, { channels: { sms: { text: "two {{ n }}" } } });
    const replay = await api.request("POST", "/v1/notifications", body, key);
    const otherData = await api.request(
      "POST",
      "/v1/notifications",
      { ...body, data: { n: 2 } },
      key,
    );

    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body.content.text).toBe("one 1");
    expect(otherData.status).toBe(409);
  });

  it("previews every channel with sample data or given data, and reports errors", async () => {
    const api = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, welcome("t"));
    const sample = await api.request("POST", `/v1/templates/${id}/preview`);
    const french = await api.request("POST", `/v1/templates/${id}/preview`, {
      locale: "fr",
      data: { name: "Zoé", tag: "z" },
    });
    const broken = await api.request("POST", `/v1/templates/${id}/preview`, { data: {} });

    expect(sample.status).toBe(200);
    expect(sample.body.version).toBe(1);
    expect(sample.body.channels.email.content.subject).toBe("Welcome Sample t");
    expect(sample.body.channels.email.content.text).toBe("Hello Sample");
    expect(sample.body.channels.sms.content.text).toBe("Hi Sample");
    expect(french.body.channels.sms).toEqual({ locale: "fr", content: { text: "Bonjour Zoé" } });
    expect(french.body.channels.email.locale).toBe("en");
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("template_render_failed");
  });

  it("is safe: no file includes, no prototype walk, bounded rendering", async () => {
    const api = await tenant();
    const id = unique("tpl");
    await api.request("PUT", `/v1/templates/${id}`, {
      channels: {
        sms: { text: "{% include '/etc/passwd' %}" },
        in_app: { title: "{{ name.constructor }}" },
        push: {
          title:
            "{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}",
        },
      },
    });
    const send = (channel: string) =>
      api.request("POST", `/v1/templates/${id}/preview`, { data: { name: "a" } }).then(() =>
        api.request("POST", "/v1/notifications", {
          channel,
          recipient: { id: unique("r"), phone: "+14155550123" },
          template: { id },
          data: { name: "a" },
        }),
      );
    const include = await send("sms");
    const proto = await send("in_app");
    const loop = await send("push");

    expect(include.status).toBe(400);
    expect(include.body.error.details.field).toBe("channels.sms.text");
    expect(proto.status).toBe(400);
    expect(proto.body.error.details.field).toBe("channels.in_app.title");
    expect(loop.status).toBe(400);
    expect(loop.body.error.code).toBe("template_render_failed");
  });

  it("keeps tenants apart", async () => {
    const owner = await tenant();
    const other = await tenant();
    const id = unique("tpl");
    await owner.request("PUT", `/v1/templates/${id}`, welcome("x"));
    const read = await other.request("GET", `/v1/templates/${id}`);
    const sent = await other.request("POST", "/v1/notifications", {
      channel: "sms",
      recipient: { phone: "+14155550123" },
      template: { id },
      data: { name: "x" },
    });
    const removed = await other.request("DELETE", `/v1/templates/${id}`);
    const still = await owner.request("GET", `/v1/templates/${id}`);

    expect(read.status).toBe(404);
    expect(sent.status).toBe(404);
    expect(removed.status).toBe(404);
    expect(still.status).toBe(200);
  });
});
