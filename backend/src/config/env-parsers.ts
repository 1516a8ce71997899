/**
 * Small parsers for environment values. Each returns the parsed value or pushes one message that
 * names the variable, what it got and what it accepts. Unset (or empty) means "use the default".
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fail(name: string, got: string, accepted: string): undefined {
    this.problems.push(`${name}=${JSON.stringify(got)} is invalid: accepted values are ${accepted}`);
    return undefined;
  }

  /** true/false/1/0; undefined when unset. */
  optionalBoolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    return this.fail(name, value, 'true, false, 1 or 0');
  }

  boolean(name: string, fallback: boolean): boolean {
    return this.optionalBoolean(name) ?? fallback;
  }

  /** A decimal number within [min, max] with at most `decimals` fraction digits. */
  optionalNumber(
    name: string,
    opts: { min: number; max?: number; decimals?: number; integer?: boolean },
  ): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const decimals = opts.integer ? 0 : (opts.decimals ?? 6);
    const pattern = decimals === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+(\\.\\d{1,${decimals}})?$`);
    const parsed = Number(value);
    const inRange = parsed >= opts.min && (opts.max === undefined || parsed <= opts.max);
    if (!pattern.test(value) || !Number.isFinite(parsed) || !inRange) {
      const kind = decimals === 0 ? 'an integer' : `a number with at most ${decimals} decimals`;
      const range = opts.max === undefined ? `>= ${opts.min}` : `from ${opts.min} to ${opts.max}`;
      return this.fail(name, value, `${kind} ${range}`);
    }
    return parsed;
  }

  number(
    name: string,
    fallback: number,
    opts: { min: number; max?: number; decimals?: number; integer?: boolean },
  ): number {
    return this.optionalNumber(name, opts) ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    return this.fail(name, value, allowed.join(', ')) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (protocols.includes(url.protocol)) return value;
    } catch {
      // reported below
    }
    return this.fail(
      name,
      redactUrl(value),
      `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );
  }
}

/** Never echo a password from a connection string into a log line. */
function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
