// Message templates, one set per language. A template turns the facts of an event (a name, a
// link, an amount …) into a subject and a plain-text body; amounts and dates are formatted
// for the language. Languages without a translation of a template fall back to English.

import { memoize } from '../../platform/memoize.ts';
import { currencyExponent } from '../../platform/money.ts';

export type TemplateName =
  | 'welcome'
  | 'email_verification'
  | 'password_reset'
  | 'sign_in_locked'
  | 'deposit_receipt'
  | 'withdrawal_receipt'
  | 'withdrawal_failed'
  | 'bet_settled'
  | 'limit_changed'
  | 'self_exclusion';

export interface TemplateData {
  name: string;
  link?: string;
  /** Minor units as a string of digits, with `currency`. */
  amount?: string;
  stake?: string;
  payout?: string;
  currency?: string;
  status?: string;
  /** responsible.limit_changed: which limit, over what period, from when. */
  limit?: { kind: string; period: string; amount: string | null; effectiveAt?: string };
  /** responsible.self_excluded: until when (ISO time), null for an indefinite exclusion. */
  until?: string | null;
}

export interface Rendered {
  subject: string;
  text: string;
}

type Template = (data: TemplateData, f: Formatters) => Rendered;

interface Formatters {
  money(minor: string | undefined, currency: string | undefined): string;
  date(iso: string | null | undefined): string;
}

export const LOCALES = ['en', 'de', 'es', 'sv'] as const;
export type Locale = (typeof LOCALES)[number];

/** The language of a country's players (for the countries we have templates in). */
const COUNTRY_LANGUAGE: Record<string, Locale> = {
  DE: 'de',
  AT: 'de',
  LI: 'de',
  ES: 'es',
  MX: 'es',
  AR: 'es',
  CO: 'es',
  CL: 'es',
  PE: 'es',
  SE: 'sv',
  AX: 'sv',
};

export function localeFor(country: string | null | undefined, fallback: string): Locale {
  const byCountry = country ? COUNTRY_LANGUAGE[country.toUpperCase()] : undefined;
  if (byCountry) return byCountry;
  return (LOCALES as readonly string[]).includes(fallback) ? (fallback as Locale) : 'en';
}

// Building an Intl formatter costs tens of microseconds: each is made once and kept.
const currencyFormat = memoize((locale: Locale) =>
  memoize((currency: string) => new Intl.NumberFormat(locale, { style: 'currency', currency })),
);
const dateFormat = memoize(
  (locale: Locale) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }),
);

function formatters(locale: Locale): Formatters {
  return {
    money(minor, currency) {
      if (!minor || !currency || !/^\d+$/.test(minor)) return '';
      const exponent = currencyExponent(currency);
      const digits = minor.padStart(exponent + 1, '0');
      const decimal = exponent
        ? `${digits.slice(0, digits.length - exponent)}.${digits.slice(-exponent)}`
        : digits;
      // A decimal string is formatted exactly (Intl.NumberFormat v3): no float touches money.
      return currencyFormat(locale)(currency).format(decimal as unknown as number);
    },
    date(iso) {
      if (!iso) return '';
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return '';
      return `${dateFormat(locale).format(date)} UTC`;
    },
  };
}

const en: Record<TemplateName, Template> = {
  welcome: (d) => ({
    subject: 'Welcome to iBet',
    text: `Hello ${d.name},\n\nWelcome to iBet. Your account is ready: deposit, pick a market and place your first bet.\n\nYou can set deposit and loss limits, take a break or exclude yourself at any time in your account settings.\n`,
  }),
  email_verification: (d) => ({
    subject: 'Confirm your email address',
    text: `Hello ${d.name},\n\nConfirm that this address is yours:\n${d.link}\n\nThe link works once, for 7 days. If you did not open an iBet account, ignore this mail.\n`,
  }),
  password_reset: (d) => ({
    subject: 'Reset your password',
    text: `Hello ${d.name},\n\nSomeone asked to reset the password of your iBet account. To choose a new one:\n${d.link}\n\nThe link works once, for one hour. If it was not you, ignore this mail: your password stays as it is.\n`,
  }),
  sign_in_locked: (d) => ({
    subject: 'Sign-in attempts on your account were blocked',
    text: `Hello ${d.name},\n\nThere were many failed attempts to sign in to your iBet account, so we are refusing sign-ins for up to an hour. If this was not you, consider changing your password and enrolling an authenticator app.\n`,
  }),
  deposit_receipt: (d, f) => ({
    subject: `Deposit received: ${f.money(d.amount, d.currency)}`,
    text: `Hello ${d.name},\n\nWe received your deposit of ${f.money(d.amount, d.currency)}. It is in your balance now.\n`,
  }),
  withdrawal_receipt: (d, f) => ({
    subject: `Withdrawal sent: ${f.money(d.amount, d.currency)}`,
    text: `Hello ${d.name},\n\nYour withdrawal of ${f.money(d.amount, d.currency)} is on its way to you.\n`,
  }),
  withdrawal_failed: (d, f) => ({
    subject: 'Your withdrawal could not be sent',
    text: `Hello ${d.name},\n\nWe could not send your withdrawal of ${f.money(d.amount, d.currency)}. The amount is back in your balance.\n`,
  }),
  bet_settled: (d, f) => {
    const won = d.status === 'won';
    const voided = d.status === 'void';
    return {
      subject: won ? 'Your bet won' : voided ? 'Your bet was void' : 'Your bet was settled',
      text: won
        ? `Hello ${d.name},\n\nYour bet of ${f.money(d.stake, d.currency)} won: ${f.money(d.payout, d.currency)} is in your balance.\n`
        : voided
          ? `Hello ${d.name},\n\nYour bet was void: the stake of ${f.money(d.stake, d.currency)} is back in your balance.\n`
          : `Hello ${d.name},\n\nYour bet of ${f.money(d.stake, d.currency)} lost${d.payout && d.payout !== '0' ? `; ${f.money(d.payout, d.currency)} was returned` : ''}.\n`,
    };
  },
  limit_changed: (d, f) => ({
    subject: 'Your limit has changed',
    text: `Hello ${d.name},\n\nYour ${d.limit?.kind ?? ''} limit per ${d.limit?.period ?? ''} is now ${d.limit?.amount ? f.money(d.limit.amount, d.currency) : 'removed'}${d.limit?.effectiveAt ? `, from ${f.date(d.limit.effectiveAt)}` : ''}.\n\nIf you did not change it, contact support.\n`,
  }),
  self_exclusion: (d, f) => ({
    subject: 'Your self-exclusion is confirmed',
    text: `Hello ${d.name},\n\nYou have excluded yourself from iBet ${d.until ? `until ${f.date(d.until)}` : 'indefinitely'}. You cannot bet or deposit in that time; your balance stays yours to withdraw.\n\nIf you need support, organisations such as GamCare and Gambling Therapy help for free.\n`,
  }),
};

const LIMIT_KIND_DE: Record<string, string> = {
  deposit: 'Einzahlungslimit',
  loss: 'Verlustlimit',
};
const LIMIT_PERIOD_DE: Record<string, string> = { day: 'Tag', week: 'Woche', month: 'Monat' };

const de: Partial<Record<TemplateName, Template>> = {
  welcome: (d) => ({
    subject: 'Willkommen bei iBet',
    text: `Hallo ${d.name},\n\nwillkommen bei iBet. Dein Konto ist bereit: einzahlen, Markt wählen, ersten Tipp abgeben.\n\nEinzahlungs- und Verlustlimits, Pausen und Selbstsperre findest du jederzeit in deinen Kontoeinstellungen.\n`,
  }),
  email_verification: (d) => ({
    subject: 'Bestätige deine E-Mail-Adresse',
    text: `Hallo ${d.name},\n\nbestätige, dass diese Adresse dir gehört:\n${d.link}\n\nDer Link gilt einmal, 7 Tage lang. Wenn du kein iBet-Konto eröffnet hast, ignoriere diese E-Mail.\n`,
  }),
  password_reset: (d) => ({
    subject: 'Setze dein Passwort zurück',
    text: `Hallo ${d.name},\n\njemand möchte das Passwort deines iBet-Kontos zurücksetzen. Ein neues wählst du hier:\n${d.link}\n\nDer Link gilt einmal, eine Stunde lang. Warst du es nicht, ignoriere diese E-Mail: dein Passwort bleibt, wie es ist.\n`,
  }),
  sign_in_locked: (d) => ({
    subject: 'Anmeldeversuche bei deinem Konto wurden gesperrt',
    text: `Hallo ${d.name},\n\nes gab viele fehlgeschlagene Anmeldeversuche bei deinem iBet-Konto; wir lehnen Anmeldungen bis zu einer Stunde lang ab. Warst du es nicht, ändere dein Passwort und richte eine Authenticator-App ein.\n`,
  }),
  deposit_receipt: (d, f) => ({
    subject: `Einzahlung erhalten: ${f.money(d.amount, d.currency)}`,
    text: `Hallo ${d.name},\n\nwir haben deine Einzahlung von ${f.money(d.amount, d.currency)} erhalten. Sie ist jetzt in deinem Guthaben.\n`,
  }),
  withdrawal_receipt: (d, f) => ({
    subject: `Auszahlung unterwegs: ${f.money(d.amount, d.currency)}`,
    text: `Hallo ${d.name},\n\ndeine Auszahlung von ${f.money(d.amount, d.currency)} ist auf dem Weg zu dir.\n`,
  }),
  withdrawal_failed: (d, f) => ({
    subject: 'Deine Auszahlung konnte nicht gesendet werden',
    text: `Hallo ${d.name},\n\nwir konnten deine Auszahlung von ${f.money(d.amount, d.currency)} nicht senden. Der Betrag ist wieder in deinem Guthaben.\n`,
  }),
  bet_settled: (d, f) => ({
    subject:
      d.status === 'won'
        ? 'Deine Wette hat gewonnen'
        : d.status === 'void'
          ? 'Deine Wette wurde annulliert'
          : 'Deine Wette wurde abgerechnet',
    text:
      d.status === 'won'
        ? `Hallo ${d.name},\n\ndeine Wette über ${f.money(d.stake, d.currency)} hat gewonnen: ${f.money(d.payout, d.currency)} sind in deinem Guthaben.\n`
        : d.status === 'void'
          ? `Hallo ${d.name},\n\ndeine Wette wurde annulliert: der Einsatz von ${f.money(d.stake, d.currency)} ist zurück in deinem Guthaben.\n`
          : `Hallo ${d.name},\n\ndeine Wette über ${f.money(d.stake, d.currency)} hat verloren.\n`,
  }),
  limit_changed: (d, f) => ({
    subject: 'Dein Limit wurde geändert',
    text: `Hallo ${d.name},\n\ndein ${LIMIT_KIND_DE[d.limit?.kind ?? ''] ?? d.limit?.kind ?? ''} pro ${LIMIT_PERIOD_DE[d.limit?.period ?? ''] ?? d.limit?.period ?? ''} ${d.limit?.amount ? `beträgt ${d.limit?.effectiveAt ? `ab ${f.date(d.limit.effectiveAt)} ` : 'jetzt '}${f.money(d.limit.amount, d.currency)}` : `wird ${d.limit?.effectiveAt ? `ab ${f.date(d.limit.effectiveAt)} ` : ''}aufgehoben`}.\n\nWenn du das nicht geändert hast, wende dich an den Support.\n`,
  }),
  self_exclusion: (d, f) => ({
    subject: 'Deine Selbstsperre ist bestätigt',
    text: `Hallo ${d.name},\n\ndu hast dich ${d.until ? `bis ${f.date(d.until)}` : 'unbefristet'} von iBet ausgeschlossen. In dieser Zeit kannst du weder wetten noch einzahlen; dein Guthaben kannst du weiterhin auszahlen.\n`,
  }),
};

const es: Partial<Record<TemplateName, Template>> = {
  welcome: (d) => ({
    subject: 'Bienvenido a iBet',
    text: `Hola ${d.name}:\n\nBienvenido a iBet. Tu cuenta está lista: deposita, elige un mercado y haz tu primera apuesta.\n\nPuedes fijar límites de depósito y de pérdidas, tomarte un descanso o autoexcluirte cuando quieras desde tu cuenta.\n`,
  }),
  email_verification: (d) => ({
    subject: 'Confirma tu dirección de correo',
    text: `Hola ${d.name}:\n\nConfirma que esta dirección es tuya:\n${d.link}\n\nEl enlace funciona una vez, durante 7 días. Si no abriste una cuenta en iBet, ignora este correo.\n`,
  }),
  password_reset: (d) => ({
    subject: 'Restablece tu contraseña',
    text: `Hola ${d.name}:\n\nAlguien ha pedido restablecer la contraseña de tu cuenta de iBet. Para elegir una nueva:\n${d.link}\n\nEl enlace funciona una vez, durante una hora. Si no fuiste tú, ignora este correo: tu contraseña no cambia.\n`,
  }),
  sign_in_locked: (d) => ({
    subject: 'Hemos bloqueado intentos de acceso a tu cuenta',
    text: `Hola ${d.name}:\n\nHubo muchos intentos fallidos de acceder a tu cuenta de iBet, así que rechazamos los accesos durante un máximo de una hora. Si no fuiste tú, cambia tu contraseña y activa una app de autenticación.\n`,
  }),
  deposit_receipt: (d, f) => ({
    subject: `Depósito recibido: ${f.money(d.amount, d.currency)}`,
    text: `Hola ${d.name}:\n\nHemos recibido tu depósito de ${f.money(d.amount, d.currency)}. Ya está en tu saldo.\n`,
  }),
  withdrawal_receipt: (d, f) => ({
    subject: `Retirada enviada: ${f.money(d.amount, d.currency)}`,
    text: `Hola ${d.name}:\n\nTu retirada de ${f.money(d.amount, d.currency)} está en camino.\n`,
  }),
  bet_settled: (d, f) => ({
    subject: d.status === 'won' ? 'Tu apuesta ha ganado' : 'Tu apuesta se ha liquidado',
    text:
      d.status === 'won'
        ? `Hola ${d.name}:\n\nTu apuesta de ${f.money(d.stake, d.currency)} ha ganado: ${f.money(d.payout, d.currency)} ya está en tu saldo.\n`
        : `Hola ${d.name}:\n\nTu apuesta de ${f.money(d.stake, d.currency)} se ha liquidado (${d.status}).\n`,
  }),
  self_exclusion: (d, f) => ({
    subject: 'Tu autoexclusión está confirmada',
    text: `Hola ${d.name}:\n\nTe has autoexcluido de iBet ${d.until ? `hasta el ${f.date(d.until)}` : 'de forma indefinida'}. Durante ese tiempo no puedes apostar ni depositar; puedes retirar tu saldo.\n`,
  }),
};

const sv: Partial<Record<TemplateName, Template>> = {
  welcome: (d) => ({
    subject: 'Välkommen till iBet',
    text: `Hej ${d.name},\n\nvälkommen till iBet. Ditt konto är klart: sätt in pengar, välj en marknad och lägg ditt första spel.\n\nDu kan när som helst sätta insättnings- och förlustgränser, ta en paus eller stänga av dig själv i dina kontoinställningar.\n`,
  }),
  email_verification: (d) => ({
    subject: 'Bekräfta din e-postadress',
    text: `Hej ${d.name},\n\nbekräfta att den här adressen är din:\n${d.link}\n\nLänken fungerar en gång, i 7 dagar. Om du inte har öppnat ett iBet-konto kan du bortse från det här mejlet.\n`,
  }),
  password_reset: (d) => ({
    subject: 'Återställ ditt lösenord',
    text: `Hej ${d.name},\n\nnågon har bett om att återställa lösenordet till ditt iBet-konto. Välj ett nytt här:\n${d.link}\n\nLänken fungerar en gång, i en timme. Var det inte du kan du bortse från mejlet: ditt lösenord är oförändrat.\n`,
  }),
  deposit_receipt: (d, f) => ({
    subject: `Insättning mottagen: ${f.money(d.amount, d.currency)}`,
    text: `Hej ${d.name},\n\nvi har tagit emot din insättning på ${f.money(d.amount, d.currency)}. Den finns nu på ditt saldo.\n`,
  }),
  withdrawal_receipt: (d, f) => ({
    subject: `Uttag skickat: ${f.money(d.amount, d.currency)}`,
    text: `Hej ${d.name},\n\nditt uttag på ${f.money(d.amount, d.currency)} är på väg till dig.\n`,
  }),
  bet_settled: (d, f) => ({
    subject: d.status === 'won' ? 'Ditt spel vann' : 'Ditt spel är avgjort',
    text:
      d.status === 'won'
        ? `Hej ${d.name},\n\nditt spel på ${f.money(d.stake, d.currency)} vann: ${f.money(d.payout, d.currency)} finns på ditt saldo.\n`
        : `Hej ${d.name},\n\nditt spel på ${f.money(d.stake, d.currency)} är avgjort (${d.status}).\n`,
  }),
  self_exclusion: (d, f) => ({
    subject: 'Din självavstängning är bekräftad',
    text: `Hej ${d.name},\n\ndu har stängt av dig från iBet ${d.until ? `till ${f.date(d.until)}` : 'på obestämd tid'}. Under den tiden kan du inte spela eller sätta in pengar; ditt saldo kan du fortfarande ta ut.\n`,
  }),
};

const TEMPLATES: Record<Locale, Partial<Record<TemplateName, Template>>> = { en, de, es, sv };

/** Renders `template` in `locale` (English when the language lacks that template). */
export function render(template: TemplateName, locale: Locale, data: TemplateData): Rendered {
  const translated = TEMPLATES[locale][template];
  const chosen = translated ?? en[template];
  return chosen(data, formatters(translated ? locale : 'en'));
}

/** Which languages translate each template (for the docs and tests). */
export function translations(): Record<TemplateName, Locale[]> {
  return Object.fromEntries(
    (Object.keys(en) as TemplateName[]).map((name) => [
      name,
      LOCALES.filter((locale) => TEMPLATES[locale][name] !== undefined),
    ]),
  ) as Record<TemplateName, Locale[]>;
}
