import { hubScheme } from "./hub.js";
import type { SignatureScheme } from "./scheme.js";
import { standardScheme } from "./standard.js";

/** Every scheme, by name. Under `scheme: "any"`, the first whose signature header is present wins. */
export const SCHEMES: Readonly<Record<SignatureScheme["name"], SignatureScheme>> = {
  standard: standardScheme,
  hub: hubScheme,
};
