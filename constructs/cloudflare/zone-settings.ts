import { ZoneSetting } from '@cdktf/provider-cloudflare/lib/zone-setting';
import { Construct } from 'constructs';

export interface HstsProps {
  /** `max-age` in seconds. Browsers pin HTTPS for this long: start small, raise once HTTPS is proven. */
  readonly maxAgeSeconds: number;
  /** Also pin every subdomain. @default true */
  readonly includeSubdomains?: boolean;
  /** Ask to be put on browsers' preload lists; hard to undo. @default false */
  readonly preload?: boolean;
}

export interface SecureZoneSettingsProps {
  readonly zoneId: string;
  readonly hsts: HstsProps;
  /** Answer AAAA for proxied names (IPv6 Compatibility): visitors reach the edge over IPv6. @default true */
  readonly ipv6?: boolean;
}

/**
 * The TLS and transport posture of a proxied zone, one `cloudflare_zone_setting` per setting
 * (provider v5): Full (strict) TLS to the origin, TLS 1.2+ and 1.3 to visitors, HTTPS everywhere
 * (Always Use HTTPS, automatic HTTPS rewrites, HSTS with nosniff) and HTTP/3. No `brotli`: Cloudflare
 * compresses with Brotli on every zone and retired the setting's API on 2024-06-14, so writing it fails.
 */
export class SecureZoneSettings extends Construct {
  /** By Cloudflare setting id, e.g. `settings.ssl`. */
  readonly settings: Record<string, ZoneSetting> = {};

  constructor(scope: Construct, id: string, props: SecureZoneSettingsProps) {
    super(scope, id);
    const values: Record<string, unknown> = {
      // Full (strict): Cloudflare verifies the origin's certificate (the Google-managed one), so the
      // hop from Cloudflare to the load balancer is authenticated, not just encrypted.
      ssl: 'strict',
      min_tls_version: '1.2',
      tls_1_3: 'on',
      always_use_https: 'on',
      automatic_https_rewrites: 'on',
      security_header: {
        strict_transport_security: {
          enabled: true,
          max_age: props.hsts.maxAgeSeconds,
          include_subdomains: props.hsts.includeSubdomains ?? true,
          preload: props.hsts.preload ?? false,
          nosniff: true,
        },
      },
      http3: 'on',
      ipv6: (props.ipv6 ?? true) ? 'on' : 'off',
    };
    for (const [settingId, value] of Object.entries(values)) {
      this.settings[settingId] = new ZoneSetting(this, settingId.replace(/_/g, '-'), {
        zoneId: props.zoneId,
        settingId,
        // `value` is dynamically typed in the provider schema (a string for most settings, an object
        // for security_header); the binding types it as a map. Object keys are the API's, verbatim.
        value: value as { [key: string]: unknown },
      });
    }
  }
}
