import { Transform } from 'class-transformer';
import { IsBoolean, registerDecorator, ValidationArguments } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : value;
};

/** A `true`/`false` setting (any case); anything else is a configuration error naming the value. */
export function booleanSetting(): PropertyDecorator {
  return (target, key) => {
    Transform(toBoolean)(target, key);
    IsBoolean({ message: `${String(key)} must be true or false, got "$value"` })(target, key);
  };
}

/**
 * Two settings that only make sense together (a user and its password): both set, or neither.
 * Put on one of the two, so a mistake is reported once; the message never shows the values.
 */
export function SetTogetherWith(other: string, purpose: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'setTogetherWith',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args: ValidationArguments) => isSet(value) === isSet((args.object as Record<string, unknown>)[other]),
        defaultMessage: (args?: ValidationArguments) => {
          const [given, missing] = isSet(args?.value) ? [args?.property, other] : [other, args?.property];
          return `${given} is set but ${missing} is not: ${purpose} needs both (or neither)`;
        },
      },
    });
}

const isSet = (value: unknown) => typeof value === 'string' && value !== '';
