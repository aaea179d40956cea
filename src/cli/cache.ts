// gatehouse cache: purges the response cache through the admin API (audited there).
import type { Group } from './command.ts';
import { adminSections, showAnswer } from './output.ts';

export const cacheGroup: Group = {
  name: 'cache',
  summary: 'The response cache: clear it, whole or by model or team.',
  details: 'Entries of other models and teams stay. See docs/cache.md.',
  actions: [
    {
      name: 'clear',
      summary: 'Delete cached answers: all of them, or those of a model or of a team',
      flags: {
        model: { type: 'string', value: 'NAME', help: 'only this model (the name clients ask for)' },
        team: { type: 'string', value: 'TEAM', help: "only what this team's requests stored (id or name)" },
      },
      sections: adminSections,
      run: showAnswer((client, _args, values) => {
        const query = new URLSearchParams();
        if (typeof values.model === 'string') query.set('model', values.model);
        if (typeof values.team === 'string') query.set('team', values.team);
        const suffix = query.size > 0 ? `?${query}` : '';
        return client.request('DELETE', `/admin/cache${suffix}`);
      }),
    },
  ],
};
