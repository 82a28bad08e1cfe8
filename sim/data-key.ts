/**
 * Plain data as a text key: equal keys mean equal data. Every field is spelled, bigints,
 * undefined, −0 and non-finite numbers apart from the strings and numbers they print as, and
 * anything but plain objects, arrays and primitives is refused (a Map or a class instance would
 * print as `{}`). For caches of pure functions of their inputs.
 */
export function dataKey(value: unknown): string {
  return JSON.stringify(value, (_key: string, v: unknown) => {
    switch (typeof v) {
      case 'bigint':
        return `${v}n`;
      case 'undefined':
        return '(undefined)';
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0) ? v : `(${Object.is(v, -0) ? '-0' : String(v)})`;
      case 'string':
        return `'${v}`;
      case 'boolean':
        return v;
      case 'object': {
        if (v === null || Array.isArray(v)) return v;
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) return v;
        throw new Error(`data key: a value is a ${Object.prototype.toString.call(v)}, not plain data`);
      }
      default:
        throw new Error(`data key: a value is a ${typeof v}, not plain data`);
    }
  });
}
