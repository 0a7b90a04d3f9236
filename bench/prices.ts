/** The price table is Herald's own (`GET /v1/metrics` prices with it too). */
export * from "@herald/core/cost/prices";
