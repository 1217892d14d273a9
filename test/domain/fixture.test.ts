import { expect, it } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { hostile, parseFixture } from "../support/hostile-inputs";

it("the vendored hostile-input fixture matches ../shared when it is there", () => {
  const shared = new URL("../../../shared/fixtures/hostile-inputs.json", import.meta.url);
  const vendored = parseFixture(readFileSync(new URL("../fixtures/hostile-inputs.json", import.meta.url), "utf8"));
  if (existsSync(shared)) expect(vendored).toEqual(parseFixture(readFileSync(shared, "utf8")));
  expect(hostile.wrong_types).toContain(Infinity);
  expect(hostile.emails_invalid.length).toBeGreaterThan(20);
});
