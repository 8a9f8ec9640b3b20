// Entry point: register every custom element, then the app takes over <cr-app>.

import { registerAccount } from "./components/account.js";
import { registerAccountManage } from "./components/account-manage.js";
import { registerApp } from "./components/app.js";
import { registerBalances } from "./components/balances.js";
import { registerCampaignTable } from "./components/campaign-table.js";
import { registerChart } from "./components/chart.js";
import { registerCostExplanation } from "./components/cost-explanation.js";
import { registerDateRange } from "./components/date-range.js";
import { registerDrilldown } from "./components/drilldown.js";
import { registerPager } from "./components/pager.js";
import { registerReport } from "./components/report.js";
import { registerReportFlow } from "./components/report-flow.js";
import { registerReportFilters } from "./components/report-filters.js";
import { registerScrollRegion } from "./components/scroll-region.js";
import { registerSignIn } from "./components/sign-in.js";
import { registerTemplateChecker } from "./components/template-checker.js";

registerScrollRegion();
registerAccountManage();
registerDateRange();
registerChart();
registerCampaignTable();
registerPager();
registerReportFilters();
registerReportFlow();
registerReport();
registerCostExplanation();
registerDrilldown();
registerBalances();
registerAccount();
registerSignIn();
registerTemplateChecker();
registerApp();
