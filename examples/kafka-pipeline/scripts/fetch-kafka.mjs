// Copies Apache Kafka's broker jars (kafka/pom.xml) from Maven Central into kafka/libs, once: Maven keeps
// what it downloaded in ~/.m2, so a later run, or another clone, copies without the network.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const pom = new URL("../kafka/pom.xml", import.meta.url).pathname;
const libs = new URL("../kafka/libs/", import.meta.url).pathname;
if (existsSync(`${libs}kafka_2.13-4.1.1.jar`)) process.exit(0);
console.log(`fetching Kafka's jars into ${libs} (Maven)`);
try {
  execFileSync(
    "mvn",
    ["-q", "-B", "-f", pom, "dependency:copy-dependencies", `-DoutputDirectory=${libs}`, "-DincludeScope=runtime"],
    { stdio: "inherit" },
  );
} catch (error) {
  console.error("fetching Kafka's jars needs Maven (mvn) and Java 17+ on PATH, and Maven Central");
  throw error;
}
