import { render } from 'preact';
import { SignPage } from './SignPage.js';
import './sign.css';

render(<SignPage />, document.getElementById('sign')!);
