import { registerDecorator, ValidationArguments } from 'class-validator';

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
