import { environment, synthEnvironment } from '../support/topology';

/*
 * Whole-output snapshots: they guard against unintended change. What each stack must contain is
 * asserted, with intent, in the focused tests beside this file.
 */
describe.each(['dev', 'staging', 'production'])('%s environment', (name) => {
  const { json } = synthEnvironment(environment(name));

  it.each(Object.keys(json).sort())('%s matches its snapshot', (stack) => {
    expect(json[stack]).toMatchSnapshot();
  });
});
