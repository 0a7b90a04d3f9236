/**
 * Herald's zod: `zod/mini`, the tree-shakable build (functions instead of methods:
 * `z.optional(z.string().check(z.minLength(1)))`), with zod's English messages, which the
 * classic build loads by default and the mini one does not. Every schema in Herald imports zod
 * from here (`import * as z from "../zod"`), so a function bundles the parts of zod it uses
 * (≈ 20 KB) rather than the whole classic API (≈ 100 KB), and builds its schemas faster at
 * init (issue 16, lean functions).
 */

import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
