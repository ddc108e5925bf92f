DROP TABLE unsubscribes;
DROP TABLE activities;
DROP TABLE leads;
DROP TABLE campaigns;
