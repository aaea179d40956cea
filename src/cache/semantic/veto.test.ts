import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vetoReason, vetoSignature } from './veto.ts';

const veto = (a: string, b: string) => vetoReason(vetoSignature(a), vetoSignature(b));

test('antonyms on opposite sides veto, through synonyms too', () => {
  assert.equal(veto('How do I enable 2FA?', 'How do I disable 2FA?'), '"enable" against "disable"');
  assert.ok(veto('How do I turn on dark mode?', 'How do I turn off dark mode?'));
  assert.ok(veto('activate my card', 'deactivate my card'));
  assert.ok(veto('Should I increase the dose?', 'Should I decrease the dose?'));
  assert.ok(veto('allow cookies from this site', 'block cookies from this site'));
  assert.ok(veto('how to add a user to the group', 'how to remove a user from the group'));
  assert.ok(veto('start the service at boot', 'stop the service at boot'));
  assert.ok(veto('include tests in the build', 'exclude tests from the build'));
  assert.ok(veto('Which city has the highest rent?', 'Which city has the lowest rent?'));
});

test('a negation on one side only vetoes; on both sides it does not', () => {
  assert.equal(
    veto('Can I take ibuprofen with food?', "Can't I take ibuprofen with food?"),
    'negation differs',
  );
  assert.ok(
    veto('Is it safe to drink coffee while pregnant?', 'Is it not safe to drink coffee while pregnant?'),
  );
  assert.ok(veto('Which plans include support?', 'Which plans never include support?'));
  assert.equal(veto("Why doesn't my printer work?", 'Why is my printer not working?'), undefined);
  assert.equal(veto("I can't log in.", 'I am unable to log in.'), undefined);
});

test('numbers, units and written numbers must agree', () => {
  assert.equal(veto('Is 10 mg of melatonin safe?', 'Is 100 mg of melatonin safe?'), 'numbers differ');
  assert.ok(veto('Is 10 mg safe?', 'Is 10 g safe?'));
  assert.equal(veto('Is 10mg safe?', 'Is 10 milligrams safe?'), undefined);
  assert.equal(veto('I have two cats', 'I have 2 cats'), undefined);
  assert.ok(veto('convert $5 to euros', 'convert $50 to euros'));
  assert.ok(veto('Refund $20 to my card.', 'Refund $200 to my card.'));
  assert.ok(veto('what is 15% of 200', 'what is 20% of 200'));
  assert.ok(veto('Python 3.11 features', 'Python 3.12 features'));
  assert.ok(veto('flights on May 3', 'flights on May 4'));
});

test('paraphrases without such differences pass', () => {
  assert.equal(veto('How do I reset my password?', 'What are the steps to reset my password'), undefined);
  assert.equal(veto('enable two-factor login', 'how can I turn on two-factor login'), undefined);
  assert.equal(veto('Show and hide columns', 'hide columns'), undefined);
});
