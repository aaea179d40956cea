import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guessLanguage } from './language.ts';

test('guesses the language of short questions', () => {
  assert.equal(guessLanguage('How do I reset the password for my account?'), 'en');
  assert.equal(guessLanguage('¿Cómo puedo cambiar la contraseña de mi cuenta?'), 'es');
  assert.equal(guessLanguage('Comment est-ce que je change le mot de passe de mon compte ?'), 'fr');
  assert.equal(guessLanguage('Wie kann ich das Passwort für mein Konto ändern?'), 'de');
  assert.equal(guessLanguage('パスワードを変更するにはどうすればいいですか'), 'ja');
  assert.equal(guessLanguage('Как изменить пароль?'), 'ru');
});

test('says unknown when there is too little to go on', () => {
  assert.equal(guessLanguage(''), 'unknown');
  assert.equal(guessLanguage('12345 !!!'), 'unknown');
  assert.equal(guessLanguage('Kubernetes'), 'unknown');
});
