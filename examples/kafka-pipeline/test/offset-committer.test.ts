import { describe, expect, it } from "vitest";
import { createOffsetCommitter } from "../src/offset-committer.js";

/** Messages whose commits wait until the test settles them, in the order they were made. */
function messages() {
  const commits: { name: string; settle: (error?: Error) => void }[] = [];
  const message = (name: string, partition: number) => ({
    name,
    partition,
    commit: () =>
      new Promise<void>((resolve, reject) => {
        commits.push({
          name,
          settle: (error) => {
            if (error === undefined) resolve();
            else reject(error);
          },
        });
      }),
  });
  return { message, commits };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("the offset committer", () => {
  it("has one commit in flight, and commits only the newest stored offset of each partition next", async () => {
    const { message, commits } = messages();
    const committer = createOffsetCommitter(() => undefined);
    committer.stored(message("p0@1", 0));
    committer.stored(message("p0@2", 0));
    committer.stored(message("p1@1", 1));
    committer.stored(message("p0@3", 0));
    await turn();
    expect(commits.map((commit) => commit.name)).toEqual(["p0@1"]);
    commits[0]?.settle();
    await turn();
    expect(commits.map((commit) => commit.name)).toEqual(["p0@1", "p0@3"]);
    commits[1]?.settle();
    await turn();
    expect(commits.map((commit) => commit.name)).toEqual(["p0@1", "p0@3", "p1@1"]);
    let flushed = false;
    const flushing = committer.flush().then(() => (flushed = true));
    await turn();
    expect(flushed).toBe(false);
    commits[2]?.settle();
    await flushing;
    expect(flushed).toBe(true);
  });

  it("counts the failures in a row, reports each, and starts again from 0 after a success", async () => {
    const { message, commits } = messages();
    const errors: unknown[] = [];
    const committer = createOffsetCommitter((error) => errors.push(error));
    for (let offset = 1; offset <= 3; offset++) {
      committer.stored(message(`p0@${String(offset)}`, 0));
      await turn();
      commits.at(-1)?.settle(new Error("not the coordinator"));
      await committer.flush();
    }
    expect(committer.failedInARow).toBe(3);
    expect(errors).toHaveLength(3);
    committer.stored(message("p0@4", 0));
    await turn();
    commits.at(-1)?.settle();
    await committer.flush();
    expect(committer.failedInARow).toBe(0);
  });
});
