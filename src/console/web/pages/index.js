// Every page of the console, in menu order. Adding a page: write pages/<name>.js exporting a
// component, import it here and add one entry. `path` is its URL under /ui; `group` its menu section;
// `adminOnly` keeps it out of the menu of team admins and viewers.
import { AlertsPage } from './alerts.js';
import { ApprovalsPage } from './approvals.js';
import { AuditPage } from './audit.js';
import { CachePage } from './cache.js';
import { ConfigPage } from './config.js';
import { ExperimentsPage } from './experiments.js';
import { DriftPage } from './drift.js';
import { EvalsPage } from './evals.js';
import { GuardrailsPage } from './guardrails.js';
import { KeysPage } from './keys.js';
import { LogsPage } from './logs.js';
import { McpPage } from './mcp.js';
import { OverviewPage } from './overview.js';
import { QualityPage } from './quality.js';
import { RoutingPage } from './routing.js';
import { RunsPage } from './runs.js';
import { SecretsPage } from './secrets.js';
import { TeamsPage } from './teams.js';
import { UsersPage } from './users.js';

export const pages = [
  { path: '/ui', title: 'Overview', group: 'Traffic', component: OverviewPage },
  { path: '/ui/logs', title: 'Logs', group: 'Traffic', component: LogsPage },
  { path: '/ui/runs', title: 'Agent runs', group: 'Agents', component: RunsPage },
  { path: '/ui/approvals', title: 'Approvals', group: 'Agents', component: ApprovalsPage },
  { path: '/ui/mcp', title: 'MCP tools', adminOnly: true, group: 'Agents', component: McpPage },
  { path: '/ui/quality', title: 'Feedback and scores', group: 'Quality', component: QualityPage },
  { path: '/ui/drift', title: 'Drift', adminOnly: true, group: 'Quality', component: DriftPage },
  { path: '/ui/evals', title: 'Evals', adminOnly: true, group: 'Quality', component: EvalsPage },
  { path: '/ui/teams', title: 'Teams', group: 'Access', component: TeamsPage },
  { path: '/ui/users', title: 'Users', group: 'Access', component: UsersPage },
  { path: '/ui/keys', title: 'Keys', group: 'Access', component: KeysPage },
  { path: '/ui/secrets', title: 'Provider secrets', adminOnly: true, group: 'Access', component: SecretsPage },
  { path: '/ui/guardrails', title: 'Guardrails', group: 'Operations', component: GuardrailsPage },
  { path: '/ui/routing', title: 'Routing', adminOnly: true, group: 'Operations', component: RoutingPage },
  { path: '/ui/experiments', title: 'Experiments', adminOnly: true, group: 'Operations', component: ExperimentsPage },
  { path: '/ui/alerts', title: 'Alerts', adminOnly: true, group: 'Operations', component: AlertsPage },
  { path: '/ui/cache', title: 'Cache', adminOnly: true, group: 'Operations', component: CachePage },
  { path: '/ui/config', title: 'Config versions', adminOnly: true, group: 'Operations', component: ConfigPage },
  { path: '/ui/audit', title: 'Audit log', adminOnly: true, group: 'Operations', component: AuditPage },
];
