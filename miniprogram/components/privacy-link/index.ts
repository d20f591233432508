import { openPrivacyGuide } from '../../utils/privacy';

/**
 * 《隐私保护指引》 as a link, for the pages a student sees before signing in (registered in
 * app.json, so a page adds it with one tag).
 */
Component({
  properties: {
    text: { type: String, value: '隐私保护指引' },
  },

  methods: {
    onTap() {
      openPrivacyGuide();
    },
  },
});
