// Loaded by mocha before every test file (see .mocharc.json).
// Node-RED's test helper is initialised once, on the Node-RED this run resolves (4.x or 5.x).
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));
