//! Real Chromium through chromedriver: the help article's flow, keyboard and phone journeys,
//! and every page checked with axe-core at two widths in two colour schemes.
//! Runs when `chromedriver` is on PATH (or CHROMEDRIVER_URL is set); says so when skipped.

mod actions;
mod audit;
mod seed;
mod session;
mod visits;

mod confirm_access;
mod every_page;
mod help_article;
mod journeys;
mod phone;
mod screenshots;
mod webhooks;
