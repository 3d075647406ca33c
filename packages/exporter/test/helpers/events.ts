import { createFeatureEvent, createTrackingEvent, type FeatureEvent, type TrackingEvent } from "@org/webhook-types";

/** The user keys of `featureEvent(from)` up to, not including, `featureEvent(to)`. */
export function userKeys(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, index) => `user-${from + index}`);
}

export function featureEvent(index: number): FeatureEvent {
  return createFeatureEvent({
    userKey: `user-${index}`,
    key: `flag-${index % 3}`,
    variation: index % 2 === 0 ? "on" : "off",
    value: index % 2 === 0,
    creationDate: 1_767_225_600 + index,
  });
}

export function trackingEvent(index: number): TrackingEvent {
  return createTrackingEvent({
    userKey: `user-${index}`,
    key: "checkout",
    creationDate: 1_767_225_600 + index,
    trackingEventDetails: { amount: index },
  });
}
