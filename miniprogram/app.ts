/** Offer to restart when WeChat has downloaded a newer version of the mini program. */
function watchForUpdates(): void {
  if (typeof wx.getUpdateManager !== 'function') return;
  const manager = wx.getUpdateManager();
  manager.onUpdateReady(() => {
    wx.showModal({
      title: '更新提示',
      content: '新版本已准备好，是否重启应用？',
      success(res) {
        if (res.confirm) manager.applyUpdate();
      },
    });
  });
}

App<IAppOption>({
  globalData: {
    launchedAt: Date.now(),
  },

  onLaunch() {
    this.globalData.launchedAt = Date.now();
    watchForUpdates();
  },
});
