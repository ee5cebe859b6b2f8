/*
 * Cloud Armor's accepted values
 * (https://cloud.google.com/armor/docs/rate-limiting-overview).
 */

/** Cloud Armor's allowed `rate_limit_threshold.interval_sec` values. */
export const CLOUD_ARMOR_INTERVALS = [10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600] as const;
