/** The App() instance; getApp<IAppOption>() returns it. */
interface IAppOption {
  globalData: {
    /** When this launch started (epoch ms), for diagnostics. */
    launchedAt: number;
  };
}
